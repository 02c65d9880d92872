"""An independent timing of a template's compiled kernel, to check the Benchmark lens.

Builds the kernel with rocm-lsp (cached), then times it here with Triton's ``do_bench``
(CUDA events, L2 flushed between runs, median) on tensors this script allocates itself,
and times torch's own op for the same work: the ``[bench].baseline`` expression (else the
reference), eagerly and under ``torch.compile`` (Inductor's own pick).
Usage (on a GPU machine): ``python bench/independent_timing.py TEMPLATE [--also NAME=EXPR ...]``;
each ``--also`` times one more torch expression over the same tensors (``mm="X @ W"``).
"""

from __future__ import annotations

import argparse
import ctypes
import json
from pathlib import Path

import torch
from triton.testing import do_bench

from rocm_lsp.gpu.bench_request import make_request
from rocm_lsp.gpu.build import build

CTYPES = {"c_int32": ctypes.c_int32, "c_int64": ctypes.c_int64, "c_uint32": ctypes.c_uint32}


def main(template: str, also: list[str]) -> None:
    path = Path(template)
    built = build(path, path.read_text())
    assert built.result is not None and built.result.ok, [d.message for d in built.diagnostics]
    req = make_request(built.analysis, built.result.library)
    lib = ctypes.CDLL(req["library"])
    fn = getattr(lib, req["symbol"])
    tensors = {}
    for name, node in req["nodes"].items():
        if node is None:
            tensors[name] = None
            continue
        dtype = getattr(torch, node["dtype"])
        base = torch.randn(node["storage_numel"], device="cuda").to(dtype)
        tensors[name] = torch.as_strided(base, node["size"], node["stride"], node["offset"])
    stream = torch.cuda.current_stream().cuda_stream
    args: list = []
    for arg in req["args"]:
        kind = arg["kind"]
        if kind == "buffer":
            args.append(ctypes.c_void_p(tensors[arg["node"]].data_ptr()))
        elif kind in ("size", "size_arg", "runtime"):
            args.append(CTYPES.get(arg["ctype"], ctypes.c_int64)(arg["value"]))
        elif kind in ("workspace_size", "workspace"):
            args.append(None)
        elif kind == "stream":
            args.append(ctypes.c_void_p(stream))
    fn.restype = ctypes.c_int

    def run() -> None:
        rc = fn(*args)
        if rc != 0:
            raise RuntimeError(f"kernel returned {rc}")

    kernel_ms = do_bench(run, warmup=25, rep=200, return_mode="median")
    scope = {"torch": torch, "F": torch.nn.functional, **tensors}
    reference = req["reference"]

    def time_torch(expr: str) -> float:
        """Median ms of a torch expression over the same tensors (do_bench, like the kernel)."""
        return do_bench(lambda: eval(expr, scope), warmup=25, rep=200, return_mode="median")  # noqa: S307

    baseline = req.get("baseline") or reference
    torch_ms = time_torch(baseline)
    names = [n for n in tensors]
    compiled = torch.compile(
        eval(f"lambda {', '.join(names)}: {baseline}", {"torch": torch, "F": torch.nn.functional})
    )  # noqa: S307
    compiled(*tensors.values())
    compiled_ms = do_bench(lambda: compiled(*tensors.values()), warmup=25, rep=200, return_mode="median")
    result = {
        "template": path.name,
        "device": torch.cuda.get_device_name(),
        "kernel_ms_do_bench": kernel_ms,
        "torch_reference_ms_do_bench": torch_ms,
        "reference": reference,
        "baseline": baseline,
        "torch_compile_ms_do_bench": compiled_ms,
        "flops": req.get("flops"),
        "bytes": req.get("bytes"),
    }
    for item in also:
        name, _, expr = item.partition("=")
        ms = time_torch(expr)
        result[f"torch_{name}_ms_do_bench"] = ms
        result[f"kernel_over_torch_{name}"] = ms / kernel_ms
        if req.get("flops"):
            result[f"torch_{name}_tflops"] = req["flops"] / ms / 1e9
    if req.get("flops"):
        result["kernel_tflops"] = req["flops"] / kernel_ms / 1e9
        result["torch_tflops"] = req["flops"] / torch_ms / 1e9
    result["kernel_tb_per_s"] = req["bytes"] / kernel_ms / 1e9
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=EXPR")
    options = parser.parse_args()
    main(options.template, options.also)
