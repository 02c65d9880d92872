#!/usr/bin/env python3
"""Record what real PyTorch Inductor generates, for rocm-lsp's exactness tests.

rocm-lsp reimplements Inductor's ROCm template-kernel hooks without importing torch. This
script is the other side of that bargain: run with a Python where real torch is installed, it
drives torch's own classes and writes down their outputs, which ``tests/test_golden_cases.py``
then holds rocm-lsp to, byte for byte, on every test run (no torch needed there).

What it drives (written against torch 2.13.0+cpu; runs unchanged on later versions):

  * impl ``"rocm"``: torch's ``torch._inductor.codegen.rocm.rocm_kernel.ROCmTemplateKernel``
    (the ``rocm-2.13`` profile);
  * impl ``"seed"``: ``SeedROCmTemplateKernel`` below, a subclass of that real class whose
    ``def_kernel``/``size``/``check_not_null``/``arg_name`` bodies are transcribed from the
    older ``torch/_inductor/codegen/rocm/rocm_kernel.py`` that still had ``size()`` and
    ``check_not_null()`` (the torch 2.4/2.5 era; the ``seed`` profile). Everything those bodies
    call (``KernelArgs.cpp_argdefs``, ``Kernel.rename_indexing``, ``IndentedBuffer``,
    ``CppPrinter``, ``sympy_product``, ``V.graph.sizevars``) is the installed torch's code; only
    that era's dtype table and size-argument type (``SEED_DTYPE_TO_CPP``, ``SEED_INDEX_TYPE``)
    are constants here;
  * impl ``"cutlass"``: torch's CUDA sibling ``CUTLASSTemplateKernel`` (not a rocm-lsp profile;
    kept so the cases can show what it does differently).

Each case runs in a fresh real ``GraphLowering`` (installed with ``V.set_graph_handler``) whose
nodes are real ``ir.Buffer``/``ir.InputBuffer`` objects with real ``ir.FixedLayout``s,
registered with the graph so ``V.graph.get_dtype()`` finds them; the kernel is entered as a
context manager, as ``ROCmTemplate.generate()`` does.

Two kinds of input:

  * hook-level cases, ``tests/exactness/cases.json`` (format below);
  * template files, ``templates/*.hip.jinja`` and ``tests/exactness/templates/*.hip.jinja``
    (those exist for the data only; a header whose profile needs a later torch, e.g.
    ``rocm-2.15``, is not rendered by an older one): the header (TOML in the leading
    ``{#- rocm-lsp … -#}`` comment) gives the profile, kernel name, runtime arguments, nodes and
    variables; the whole file is rendered through Inductor's own Jinja environment
    (``KernelTemplate._template_from_string``), as ``rocm-lsp render FILE`` claims to, and again
    with ``[shapes]`` substituted into every size, stride and offset (``rocm-lsp render
    --static``) when the header has ``[shapes]``. The recording keeps each file's source, so it
    stays a self-contained fact about torch when the template changes later.

Usage (``python``: one where ``pip install torch==X`` ran, e.g. ``.oracle/bin/python`` from
``bash scripts/setup-oracle.sh``)::

  python scripts/record_exactness.py            # writes tests/exactness/torch-<version>.json
  python scripts/record_exactness.py --check    # re-runs, compares with that file, exit 1 on a diff
  python scripts/record_exactness.py -o OUT.json [--cases FILE] [TEMPLATE ...]
  python scripts/record_exactness.py --run -    # cases from stdin -> {"results": [...]} on stdout
  python scripts/record_exactness.py --render TEMPLATE ...   # template renders on stdout

``<version>`` is ``torch.__version__`` without its local part (``2.13.0+cpu`` -> ``2.13.0``): a
recording from another torch version is another file next to it (``torch-2.14.1.json``), and
the tests compare rocm-lsp with every file there. To re-record after changing
``tests/exactness/cases.json`` or a template (docs/exactness.md)::

  bash scripts/setup-oracle.sh && .oracle/bin/python scripts/record_exactness.py

Case format (a JSON list of cases, or ``{"cases": [...]}``)::

  {
    "id": "plain_gemm",
    "impl": "rocm" | "seed" | "cutlass",            # default "rocm"
    "min_torch": "2.14",                             # optional: not run on an older torch
    "kernel_name": "rocm_ck_gemm_template",          # default "KERNEL_NAME"
    "runtime_arg_info": [{"name": "kBatch", "ty": "int32_t"}],   # default []
    "runtime_arg_values": [1],                       # default []
    "device": "cuda:0",                              # default "cuda:0"
    "nodes": [
      {"name": "X", "dtype": "float16", "size": [128, "s0"],
       "stride": ["s0", 1],            # optional, default contiguous
       "offset": 0,                    # optional
       "kind": "Buffer" | "InputBuffer",   # optional, default "Buffer"
       "register": true}               # optional; false => V.graph.get_dtype() can't find it
    ],
    "calls": [
      {"call": "def_kernel", "inputs": ["X", "W", null], "outputs": ["Y"],
       "names_str": "X, W, Bias, Y", "input_reorder": [2, 0, 1], "size_args": ["int32_t M"]},
      {"call": "size", "node": "X", "start": 0, "end": -1, "default": 1},
      {"call": "check_not_null", "node": null},
      {"call": "arg_name", "node": "X"},
      {"call": "get_signature"},
      {"call": "args.cpp_argdefs", "kwargs": {"dtype_to_cpp_type": {"$ref": "DTYPE_TO_ROCM_TYPE"}}},
      {"call": "$render", "source": "PT_EXPORT {{kernel_definition}} { {{X}} }",
       "context": {"kernel_definition": "int f()", "X": {"node": "X"}}}
    ]
  }

Call keys other than ``call``/``kwargs``/``args``/``comment`` are passed as keyword arguments,
exactly as given (omitted keys are not passed). ``node`` (a name or null) and ``inputs`` /
``outputs`` (lists of names or null) are node references. Aliases: start -> start_index,
end -> end_index, default -> default_value. ``args`` is an optional positional list in which
``{"node": NAME}`` is a node reference; ``kwargs`` is an explicit keyword dict (same rule).
``$render`` renders ``source`` through the real ``KernelTemplate._template_from_string`` with
``kernel`` plus ``context``. Size/stride entries are ints or expression strings (``"s0"``,
``"s0*s1"``, ``"2*M"``); every identifier becomes ``sympy.Symbol(name, integer=True,
positive=True)``, as ShapeEnv creates them. (This script trusts its inputs and uses
``sympy.sympify``; rocm-lsp itself never does.)

Output::

  {"format": 1, "torch_version", "torch_git_version", "recorder",
   "cases_sha256",                       # of the cases file, to notice a stale recording
   "results": [{"id", "impl", "calls": [{"call", "result"[, "result_type"]} |
                                        {"call", "error": {"type", "message"}}],
                "state": {...KernelArgs and named_nodes after the last call...}}],
   "templates": [{"path", "source", "renders": {"dynamic": R, "static": R}}]}   # R: {"result"} | {"error"}

A ``result`` is the exact returned ``str`` (or null); any other value is written with ``str()``
and ``result_type`` names its Python type. ``oracle_error`` (instead of a result) marks a
malformed case, never a torch behaviour.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")  # numpy-missing warnings and the like must not reach the output
os.environ.setdefault(
    "TORCHINDUCTOR_CACHE_DIR", os.path.join(tempfile.gettempdir(), "rocm_lsp_record_inductor_cache")
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - torch venvs on Python 3.10
    import tomli as tomllib

import sympy  # noqa: E402
import torch  # noqa: E402
from torch._inductor import ir  # noqa: E402
from torch._inductor.codegen.common import IndentedBuffer, KernelTemplate  # noqa: E402
from torch._inductor.codegen.cpp_utils import DTYPE_TO_CPP, CppPrinter  # noqa: E402
from torch._inductor.codegen.rocm.rocm_kernel import ROCmTemplateKernel  # noqa: E402
from torch._inductor.codegen.rocm.rocm_template import ArgInfo as ROCmArgInfo  # noqa: E402
from torch._inductor.codegen.rocm.rocm_utils import DTYPE_TO_ROCM_TYPE  # noqa: E402
from torch._inductor.graph import GraphLowering  # noqa: E402
from torch._inductor.utils import sympy_product  # noqa: E402
from torch._inductor.virtualized import V  # noqa: E402

FORMAT = 1
REPO = Path(__file__).resolve().parent.parent
EXACTNESS = REPO / "tests" / "exactness"
CASES = EXACTNESS / "cases.json"
TEMPLATES = REPO / "templates"

REFS = {"DTYPE_TO_ROCM_TYPE": DTYPE_TO_ROCM_TYPE, "DTYPE_TO_CPP": DTYPE_TO_CPP}
ALIASES = {"start": "start_index", "end": "end_index", "default": "default_value"}
NODE_KEYS = {"node"}
NODE_LIST_KEYS = {"inputs", "outputs"}
PROFILE_TO_IMPL = {"seed": "seed", "rocm-2.13": "rocm", "rocm-2.15": "rocm", "rocm-2.14": "rocm"}
# Profiles of a later torch: templates declaring them are not recorded with an older one.
PROFILE_MIN_TORCH = {"rocm-2.15": "2.14", "rocm-2.14": "2.14"}
EXACTNESS_TEMPLATES = EXACTNESS / "templates"  # templates that exist for the exactness data only


def torch_older_than(version):
    """Whether the installed torch is older than ``version`` ("2.14")."""
    have = tuple(int(x) for x in version_tag(torch.__version__).split(".")[:2])
    return have < tuple(int(x) for x in version.split("."))


_seed_cexpr = CppPrinter().doprint

# The seed's era (torch ~2.4/2.5) mapped dtypes and size arguments differently from 2.13:
# its cpp_utils.DTYPE_TO_CPP had "half"/"bfloat16" (no fnuz types) and INDEX_TYPE was "long".
# Those constants are facts of that torch version; everything else is the installed torch's code.
SEED_DTYPE_TO_CPP = {
    torch.float32: "float",
    torch.float64: "double",
    torch.float16: "half",
    torch.int64: "int64_t",
    torch.int32: "int32_t",
    torch.int16: "int16_t",
    torch.int8: "int8_t",
    torch.uint64: "uint64_t",
    torch.uint32: "uint32_t",
    torch.uint16: "uint16_t",
    torch.uint8: "uint8_t",
    torch.bool: "bool",
    torch.bfloat16: "bfloat16",
    torch.complex64: "complex64",
    torch.float8_e4m3fn: "float8_e4m3fn",
    torch.float8_e5m2: "float8_e5m2",
}
SEED_INDEX_TYPE = "long"


def _seed_normalize_idx(index: int, total_length: int) -> int:
    return index if index >= 0 else index + total_length


class SeedROCmTemplateKernel(ROCmTemplateKernel):
    """The seed's hook bodies (an older torch's ROCmTemplateKernel), transcribed verbatim,
    running on the installed torch's primitives. Not a class of the installed torch."""

    def __init__(self, kernel_name, runtime_arg_info=(), runtime_arg_values=()):
        super().__init__(kernel_name, list(runtime_arg_info), list(runtime_arg_values))

    def arg_name(self, node):
        if node is None:
            return None
        return {**self.args.input_buffers, **self.args.output_buffers}.get(node.get_name(), None)

    def check_not_null(self, node):
        if node is None:
            return ""
        size_str = self.size(node, 0, -1)
        name_str = self.arg_name(node)
        if name_str is None:
            return ""
        res = IndentedBuffer(initial_indent=8)
        res.tabwidth = 1
        res.splice(
            f"""
            if (!{name_str}) {{
                int64_t {name_str}_size = {size_str};
                if ({name_str}_size > 0) {{
                    throw std::runtime_error("input {name_str} is null but size is not 0!");
                }}
            }}
            """
        )
        return res.getvalue()

    def def_kernel(self, inputs, outputs, names_str="", input_reorder=None):
        names = [x.strip() for x in names_str.strip().split(",")]
        if len(inputs) + len(outputs) != len(names):
            raise RuntimeError(
                f"{len(inputs) + len(outputs)=} != {len(names)=}, {inputs=}, {outputs=}, {names=}"
            )
        if input_reorder is not None:
            assert len(inputs) == len(input_reorder)
        else:
            input_reorder = list(range(len(inputs)))
        for idx in input_reorder:
            name = names[idx]
            node = inputs[idx]
            if node is not None:
                self.named_nodes[name] = node
                self.args.input_buffers[node.get_name()] = name
        for name, node in zip(names[len(inputs) : len(inputs) + len(outputs)], outputs):
            if node is not None:
                self.named_nodes[name] = node
                self.args.output_buffers[node.get_name()] = name
        from unittest import mock

        import torch._inductor.codegen.cpp_utils as _cpp_utils

        with mock.patch.object(_cpp_utils, "INDEX_TYPE", SEED_INDEX_TYPE):
            arg_defs, *_ = self.args.cpp_argdefs(SEED_DTYPE_TO_CPP)
        return f"PT_EXPORT int {self.kernel_name}({', '.join(arg_defs)}, {self._EXTRA_CPP_ARGS})"

    def size(self, node, start_index, end_index=None, default_value=0):
        if node is None:
            return str(default_value)
        start_index = _seed_normalize_idx(start_index, len(node.get_size()))
        if end_index is None:
            end_index = start_index
        end_index = _seed_normalize_idx(end_index, len(node.get_size()))
        sizes = node.get_size()[start_index : end_index + 1]
        if len(sizes) == 0:
            return str(default_value)
        val = sympy_product(sizes)
        return _seed_cexpr(self.rename_indexing(val))


class CaseError(Exception):
    """A malformed case or header (not a torch behaviour)."""


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_expr(value, symtab):
    if isinstance(value, bool):
        raise CaseError(f"bad size/stride entry {value!r}")
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, str):
        for ident in _IDENT.findall(value):
            if ident not in symtab:
                symtab[ident] = sympy.Symbol(ident, integer=True, positive=True)
        return sympy.sympify(value, locals=dict(symtab))
    raise CaseError(f"bad size/stride entry {value!r}")


def make_dtype(name):
    dt = getattr(torch, str(name).replace("torch.", ""), None)
    if not isinstance(dt, torch.dtype):
        raise CaseError(f"unknown dtype {name!r}")
    return dt


def build_nodes(case, graph, symtab, shapes=None):
    """Real IR nodes for a case's ``nodes`` (``shapes`` substitutes symbol values: --static)."""
    device = torch.device(case.get("device", "cuda:0"))
    subs = {symtab_symbol(symtab, k): v for k, v in (shapes or {}).items()}

    def expr(value):
        parsed = parse_expr(value, symtab)
        return parsed.subs(subs) if subs else parsed

    nodes = {}
    for spec in case.get("nodes", []):
        name = spec["name"]
        size = [expr(s) for s in spec["size"]]
        if spec.get("stride") is not None:
            stride = [expr(s) for s in spec["stride"]]
        else:
            stride = ir.FlexibleLayout.contiguous_strides(size)
        offset = expr(spec.get("offset", 0))
        layout = ir.FixedLayout(device, make_dtype(spec["dtype"]), size, stride, offset)
        kind = spec.get("kind", "Buffer")
        if kind == "Buffer":
            node = ir.Buffer(name=name, layout=layout)
            if spec.get("register", True):
                graph.name_to_buffer[name] = node
        elif kind == "InputBuffer":
            node = ir.InputBuffer(name=name, layout=layout)
            if spec.get("register", True):
                graph.graph_inputs[name] = ir.TensorBox.create(node)
                graph.graph_input_names.append(name)
        else:
            raise CaseError(f"unknown node kind {kind!r}")
        nodes[name] = node
    return nodes


def symtab_symbol(symtab, name):
    if name not in symtab:
        symtab[name] = sympy.Symbol(name, integer=True, positive=True)
    return symtab[name]


def resolve_node(ref, nodes):
    if ref is None:
        return None
    if isinstance(ref, str) and ref in nodes:
        return nodes[ref]
    raise CaseError(f"unknown node reference {ref!r}")


def resolve_value(value, nodes):
    if isinstance(value, dict) and set(value) == {"node"}:
        return resolve_node(value["node"], nodes)
    if isinstance(value, dict) and set(value) == {"$ref"}:
        return REFS[value["$ref"]]
    if isinstance(value, list):
        return [resolve_value(x, nodes) for x in value]
    return value


def render_call(kernel, call, nodes):
    context = {k: resolve_value(v, nodes) for k, v in call.get("context", {}).items()}
    template = KernelTemplate._template_from_string(call["source"])
    return template.render(kernel=kernel, **context)


def build_call(call, nodes):
    if call.get("call") == "$render":
        return [], {}
    args = [resolve_value(a, nodes) for a in call.get("args", [])]
    kwargs = {}
    for key, value in call.items():
        if key in ("call", "args", "kwargs", "comment"):
            continue
        key = ALIASES.get(key, key)
        if key in NODE_KEYS:
            kwargs[key] = resolve_node(value, nodes)
        elif key in NODE_LIST_KEYS:
            if not isinstance(value, list):
                raise CaseError(f"{key} must be a list")
            kwargs[key] = [resolve_node(x, nodes) for x in value]
        else:
            kwargs[key] = value
    for key, value in call.get("kwargs", {}).items():
        kwargs[ALIASES.get(key, key)] = resolve_value(value, nodes)
    return args, kwargs


def encode(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return str(value)


def make_kernel(case):
    impl = case.get("impl", "rocm")
    name = case.get("kernel_name", "KERNEL_NAME")
    values = list(case.get("runtime_arg_values", []))
    if impl in ("rocm", "seed"):
        info = [ROCmArgInfo(a["name"], a["ty"]) for a in case.get("runtime_arg_info", [])]
        cls = ROCmTemplateKernel if impl == "rocm" else SeedROCmTemplateKernel
        return cls(name, info, values)
    if impl == "cutlass":
        from torch._inductor.codegen.cutlass.kernel import CUTLASSTemplateKernel
        from torch._inductor.codegen.cutlass.template import ArgInfo as CutlassArgInfo

        info = [CutlassArgInfo(a["name"], a["ty"]) for a in case.get("runtime_arg_info", [])]
        return CUTLASSTemplateKernel(name, info, values, case.get("device_type", "cuda"))
    raise CaseError(f"unknown impl {impl!r}")


def kernel_state(kernel):
    a = kernel.args
    return {
        "input_buffers": dict(a.input_buffers),
        "output_buffers": {k: str(v) for k, v in a.output_buffers.items()},
        "sizevars": {str(k): v for k, v in a.sizevars.items()},
        "named_nodes": {k: n.get_name() for k, n in getattr(kernel, "named_nodes", {}).items()},
        "signature": getattr(kernel, "signature", None),
    }


_GM = None


def _graph():
    """A real GraphLowering on a trivial traced graph (fresh per case)."""
    global _GM
    if _GM is None:
        _GM = torch.fx.symbolic_trace(lambda x: x)
    return GraphLowering(_GM)


def run_case(case):
    """One hook-level case through the real classes: each call's result or error, and the state."""
    out = {"id": case.get("id"), "impl": case.get("impl", "rocm"), "calls": []}
    with V.set_graph_handler(_graph()):
        try:
            nodes = build_nodes(case, V.graph, {})
            kernel = make_kernel(case)
        except CaseError as e:
            out["oracle_error"] = str(e)
            return out
        with kernel:
            for call in case.get("calls", []):
                rec = {"call": call.get("call")}
                try:
                    args, kwargs = build_call(call, nodes)
                except CaseError as e:
                    rec["oracle_error"] = str(e)
                    out["calls"].append(rec)
                    continue
                try:
                    if call["call"] == "$render":
                        value = render_call(kernel, call, nodes)
                    else:
                        target = kernel
                        for part in call["call"].split("."):
                            target = getattr(target, part)
                        value = target(*args, **kwargs)
                    rec["result"] = encode(value)
                    if value is not None and not isinstance(value, str):
                        rec["result_type"] = type(value).__name__
                except CaseError as e:
                    rec["oracle_error"] = str(e)
                except Exception as e:  # noqa: BLE001 - a torch behaviour, recorded verbatim
                    rec["error"] = {"type": type(e).__name__, "message": str(e)}
                out["calls"].append(rec)
            out["state"] = kernel_state(kernel)
    return out


# -- template files ---------------------------------------------------------------------------

_HEADER_START = re.compile(r"\{#[-+]?[ \t]*rocm-lsp(?![\w:-])")


def read_header(source):
    """The TOML of a template's ``{#- rocm-lsp … -#}`` header ({} when there is none)."""
    m = _HEADER_START.search(source)
    if m is None:
        return {}
    end = source.find("#}", m.end())
    if end == -1:
        raise CaseError("the header comment is never closed")
    body_end = end - 1 if source[end - 1] in "-+" and end - 1 >= m.end() else end
    return tomllib.loads(source[m.end() : body_end])


def template_case(header):
    """The header as a case: impl, kernel name, runtime arguments and nodes."""
    profile = header.get("profile", "seed")
    if profile not in PROFILE_TO_IMPL:
        raise CaseError(f"unknown profile {profile!r}")
    runtime = header.get("runtime_args", [])
    nodes = [
        {"name": name, **{k: v for k, v in spec.items() if k in ("dtype", "size", "stride", "offset")}}
        for name, spec in header.get("nodes", {}).items()
        if spec != "none"
    ]
    return {
        "impl": PROFILE_TO_IMPL[profile],
        "kernel_name": header.get("kernel_name", "KERNEL_NAME"),
        "runtime_arg_info": [{"name": a["name"], "ty": a["ty"]} for a in runtime],
        "runtime_arg_values": [a.get("value") for a in runtime],
        "nodes": nodes,
    }


def render_template(source, static):
    """The whole file rendered through Inductor's Jinja environment with the header's values."""
    header = read_header(source)
    case = template_case(header)
    with V.set_graph_handler(_graph()):
        nodes = build_nodes(case, V.graph, {}, header.get("shapes") if static else None)
        absent = {n: None for n, spec in header.get("nodes", {}).items() if spec == "none"}
        context = {**header.get("vars", {}), **absent, **nodes}
        kernel = make_kernel(case)
        with kernel:
            template = KernelTemplate._template_from_string(source)
            return template.render(kernel=kernel, **context)


def record_template(path):
    source = path.read_text(encoding="utf-8")
    renders = {}
    modes = ["dynamic"] + (["static"] if read_header(source).get("shapes") else [])
    needs = PROFILE_MIN_TORCH.get(read_header(source).get("profile", "seed"))
    for mode in modes:
        if needs is not None and torch_older_than(needs):
            renders[mode] = {"not_in_this_torch": f"needs torch >= {needs}"}
            continue
        try:
            renders[mode] = {"result": render_template(source, static=mode == "static")}
        except CaseError as e:
            renders[mode] = {"oracle_error": str(e)}
        except Exception as e:  # noqa: BLE001 - a torch behaviour, recorded verbatim
            renders[mode] = {"error": {"type": type(e).__name__, "message": str(e)}}
    try:
        shown = path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        shown = path.name
    return {"path": shown, "source": source, "renders": renders}


# -- the recording ----------------------------------------------------------------------------


def default_templates():
    return [*sorted(TEMPLATES.glob("*.hip.jinja")), *sorted(EXACTNESS_TEMPLATES.glob("*.hip.jinja"))]


def run_case_if_supported(case):
    """``run_case``, unless the case needs a later torch (its ``min_torch``)."""
    needs = case.get("min_torch")
    if needs is not None and torch_older_than(needs):
        return {
            "id": case.get("id"),
            "impl": case.get("impl", "rocm"),
            "not_in_this_torch": f"needs torch >= {needs}",
        }
    return run_case(case)


def load_cases(path):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data["cases"] if isinstance(data, dict) else data


def version_tag(version):
    """``2.13.0+cpu`` -> ``2.13.0``: one recording per torch release, whatever its build."""
    return version.split("+", 1)[0]


def default_output():
    return EXACTNESS / f"torch-{version_tag(torch.__version__)}.json"


def record(cases_path, template_paths):
    cases_bytes = Path(cases_path).read_bytes()
    return {
        "format": FORMAT,
        "torch_version": torch.__version__,
        "torch_git_version": getattr(torch.version, "git_version", None),
        "recorder": "scripts/record_exactness.py",
        "cases_sha256": hashlib.sha256(cases_bytes).hexdigest(),
        "results": [run_case_if_supported(c) for c in load_cases(cases_path)],
        "templates": [record_template(Path(p)) for p in template_paths],
    }


def dumps(doc):
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("templates", nargs="*", type=Path, help="template files (default: templates/*.hip.jinja)")
    ap.add_argument("--cases", default=str(CASES), help="hook-level cases (default: %(default)s)")
    ap.add_argument("-o", "--output", type=Path, help="default: tests/exactness/torch-<version>.json")
    ap.add_argument("--check", action="store_true", help="compare with the recording instead of writing")
    ap.add_argument("--run", metavar="CASES", help="run these cases ('-': stdin) and print their results")
    ap.add_argument("--render", action="store_true", help="print the template renders only")
    ns = ap.parse_args(argv)
    t0 = time.perf_counter()
    if ns.run:
        text = sys.stdin.read() if ns.run == "-" else Path(ns.run).read_text(encoding="utf-8")
        data = json.loads(text)
        cases = data["cases"] if isinstance(data, dict) else data
        doc = {"torch_version": torch.__version__, "results": [run_case_if_supported(c) for c in cases]}
        sys.stdout.write(dumps(doc))
        return 0
    templates = ns.templates or [
        *sorted(TEMPLATES.glob("*.hip.jinja")),
        *sorted(EXACTNESS_TEMPLATES.glob("*.hip.jinja")),
    ]
    if ns.render:
        doc = {"torch_version": torch.__version__, "templates": [record_template(p) for p in templates]}
        sys.stdout.write(dumps(doc))
        return 0
    doc = record(ns.cases, templates)
    out = ns.output or default_output()
    if ns.check:
        old = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
        if old != doc:
            print(
                f"record_exactness: {out} differs from what torch {torch.__version__} gives now",
                file=sys.stderr,
            )
            return 1
        print(f"record_exactness: {out} is current", file=sys.stderr)
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(doc), encoding="utf-8")
    print(
        f"record_exactness: {len(doc['results'])} cases and {len(doc['templates'])} templates "
        f"(torch {torch.__version__}) in {time.perf_counter() - t0:.1f}s -> {out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
