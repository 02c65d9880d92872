"""Runs cases in ``scripts/record_exactness.py``'s format through rocm-lsp's own engine.

The output has the oracle's shape, so a case's result can be compared with the real
torch result (a recording in ``tests/exactness/`` or a live oracle run) field by field.
"""

from __future__ import annotations

from typing import Any

import jinja2

from rocm_lsp.core.engine.jinja_env import environment, inductor_syntax_message
from rocm_lsp.core.model.dtypes import DTYPE_TO_CPP_2_13, DTYPE_TO_CPP_2_15, canonical_dtype
from rocm_lsp.core.model.ir import IRNode, make_node
from rocm_lsp.core.model.kernel import HookError, TemplateKernel
from rocm_lsp.core.model.kernel_args import DtypeKeyError
from rocm_lsp.core.model.profiles import PROFILES, profile_for_torch
from rocm_lsp.core.model.sizes import parse_size

REFERENCE_TORCH = "2.13.0"  # the torch the seed impl's hook bodies are recorded on
IMPLS = ("seed", "rocm")  # the oracle's impls that are rocm-lsp profiles
ALIASES = {"start": "start_index", "end": "end_index", "default": "default_value"}
# That torch's cpp_utils.DTYPE_TO_CPP, by the profile that stands for it.
DTYPE_TO_CPP = {"rocm-2.13": DTYPE_TO_CPP_2_13, "rocm-2.15": DTYPE_TO_CPP_2_15}


def profile_of(impl: str, torch: str = REFERENCE_TORCH) -> str:
    """The profile a case's impl is compared with, for a recording of ``torch``."""
    rocm = profile_for_torch(torch)
    assert rocm is not None, f"no profile stands for torch {torch}"
    return "seed" if impl == "seed" else rocm


def _refs(torch: str) -> dict[str, dict[str, str]]:
    rocm = profile_of("rocm", torch)
    return {"DTYPE_TO_ROCM_TYPE": PROFILES[rocm].dtype_table, "DTYPE_TO_CPP": DTYPE_TO_CPP[rocm]}


# The class name in messages that name the kernel's type.
KERNEL_CLASS = "ROCmTemplateKernel"
# torch 2.13 torch/_inductor/codegen/cpp_utils.py INDEX_TYPE.
INDEX_TYPE_2_13 = "int64_t"


def supported(case: dict) -> bool:
    """Cases of profiles rocm-lsp implements (the CUTLASS sibling is not one)."""
    return case.get("impl", "rocm") in IMPLS


def build_nodes(case: dict) -> dict[str, IRNode]:
    nodes = {}
    for spec in case.get("nodes", []):
        size = [parse_size(s) for s in spec["size"]]
        stride = [parse_size(s) for s in spec["stride"]] if spec.get("stride") is not None else None
        offset = parse_size(spec.get("offset", 0))
        kind = spec.get("kind", "Buffer")
        # torch resolves "half", "torch.float16", ... to one dtype; so does the header.
        dtype = canonical_dtype(spec["dtype"]) or spec["dtype"]
        nodes[spec["name"]] = make_node(spec["name"], dtype, size, stride, offset, kind)
    return nodes


def _resolve(value: Any, nodes: dict[str, IRNode], torch: str) -> Any:
    if isinstance(value, dict) and set(value) == {"node"}:
        return None if value["node"] is None else nodes[value["node"]]
    if isinstance(value, dict) and set(value) == {"$ref"}:
        return _refs(torch)[value["$ref"]]
    if isinstance(value, list):
        return [_resolve(v, nodes, torch) for v in value]
    return value


def _call(kernel: TemplateKernel, call: dict, nodes: dict[str, IRNode], torch: str) -> Any:
    name = call["call"]
    if name == "$render":
        context = {k: _resolve(v, nodes, torch) for k, v in call.get("context", {}).items()}
        return environment().from_string(call["source"]).render(kernel=kernel, **context)
    if name == "args.cpp_argdefs":
        # The oracle calls torch's KernelArgs.cpp_argdefs directly, for either impl: its size
        # arguments are cpp_utils.INDEX_TYPE ("int64_t" since 2.13), not the profile's.
        table = _resolve(call.get("kwargs", {}).get("dtype_to_cpp_type"), nodes, torch)
        defs, calls, types = kernel.args.cpp_argdefs(
            table or _refs(torch)["DTYPE_TO_CPP"], INDEX_TYPE_2_13, lambda n: kernel._buffers[n].dtype_name
        )
        return (defs, calls, types)
    args = [_resolve(a, nodes, torch) for a in call.get("args", [])]
    kwargs: dict[str, Any] = {}
    for key, value in call.items():
        if key in ("call", "args", "kwargs", "comment"):
            continue
        key = ALIASES.get(key, key)
        if key == "node":
            kwargs[key] = None if value is None else nodes[value]
        elif key in ("inputs", "outputs"):
            kwargs[key] = [None if v is None else nodes[v] for v in value]
        else:
            kwargs[key] = value
    for key, value in call.get("kwargs", {}).items():
        kwargs[ALIASES.get(key, key)] = _resolve(value, nodes, torch)
    if not hasattr(kernel, name):
        raise AttributeError(f"'{KERNEL_CLASS}' object has no attribute '{name}'")
    return getattr(kernel, name)(*args, **kwargs)


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return str(value)


def error_record(exc: BaseException, source: str = "") -> dict[str, str]:
    """``{"type", "message"}`` as the oracle reports the torch exception."""
    if isinstance(exc, HookError):
        return {"type": exc.inductor_type, "message": exc.inductor_message}
    if isinstance(exc, DtypeKeyError):  # KernelArgs.cpp_argdefs called directly
        return {"type": "KeyError", "message": str(exc)}
    if isinstance(exc, jinja2.TemplateSyntaxError):
        message = inductor_syntax_message(exc, source)
        return {"type": "DetailedTemplateSyntaxError", "message": message}
    return {"type": type(exc).__name__, "message": str(exc)}


def run_case(case: dict, torch: str = REFERENCE_TORCH) -> dict:
    """The case through the profile that stands for ``torch`` (the seed impl: the seed profile)."""
    profile = PROFILES[profile_of(case.get("impl", "rocm"), torch)]
    nodes = build_nodes(case)
    # Every runtime_arg_info entry is a parameter, however many values there are.
    values = case.get("runtime_arg_values", [])
    runtime = [
        {"name": a["name"], "ty": a["ty"], "value": values[i] if i < len(values) else None}
        for i, a in enumerate(case.get("runtime_arg_info", []))
    ]
    kernel = profile.new_kernel(case.get("kernel_name", "KERNEL_NAME"), runtime)
    out: dict[str, Any] = {"id": case.get("id"), "impl": case.get("impl", "rocm"), "calls": []}
    for call in case.get("calls", []):
        record: dict[str, Any] = {"call": call["call"]}
        try:
            value = _call(kernel, call, nodes, torch)
            record["result"] = _encode(value)
            if value is not None and not isinstance(value, str):
                record["result_type"] = type(value).__name__
        except Exception as exc:  # noqa: BLE001 - every failure is a recorded outcome
            record["error"] = error_record(exc, call.get("source", ""))
        out["calls"].append(record)
    args = kernel.args
    out["state"] = {
        "input_buffers": dict(args.input_buffers),
        "output_buffers": dict(args.output_buffers),
        "sizevars": dict(args.sizevars),
        "named_nodes": {k: n.name for k, n in kernel.named_nodes.items()},
        "signature": getattr(kernel, "signature", None),
    }
    return out
