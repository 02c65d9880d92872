"""Benchmark one compiled template kernel: run by the user's benchmark interpreter (with torch).

Usage (the server runs this file by path, so it imports only the standard library and torch)::

    PYTHON path/to/bench_worker.py < request.json     # or: PYTHON bench_worker.py request.json
    PYTHON -m rocm_lsp.gpu.bench_worker < request.json

It reads one request (see ``bench_request.py`` for the schema) and writes exactly ONE JSON
object to stdout, then exits 0 — also on failure: ``{"ok": false, "error": "…", "stage": "…"}``.
Anything else the process prints (device ``printf``, library chatter) goes to stderr, so
stdout stays one JSON document. A crash (segfault, abort) or a hang is the caller's to handle:
run this in a separate process with the request's ``timeout_s``.

Steps: pick ``cuda:0``; load the library with ctypes; allocate every node with its exact
size/stride/offset, inputs random (never zeros), outputs NaN-filled (an unwritten output shows);
ask the kernel its workspace size (non-null ``workspace_size``, buffers NULL) and allocate a
zeroed workspace; evaluate the reference on the pristine inputs; call the kernel, synchronize and
compare; time ``warmup`` calls then up to ``repetitions`` calls, each after an L2 flush, with
CUDA events around the call only; report statistics, achieved bandwidth and FLOP rate, and
the fraction of the device's measured peaks (cached per device and torch version).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

# The protocol's shapes are TypedDicts in bench_request.py, which this file cannot import (it
# runs without rocm_lsp): the request is BenchRequest (NodeSpec, BenchArg), the one JSON object
# written is BenchResponse (BenchTiming, BenchCheck, OutputCheck, FirstMismatch, BenchPeaks).
# tests/test_bench_protocol.py checks that the keys read and written here are theirs: change a
# key in both places.
PROTOCOL_VERSION = 1
L2_FLUSH_BYTES = 256 << 20
COPY_PEAK_BYTES = 1 << 30
MM_PEAK_N = 4096
PEAK_REPETITIONS = 10
MIN_REPETITIONS = 5
MAX_WORKSPACE_BYTES = 64 << 30

# The ctypes types a request may name (bench_request.CTYPES maps C types onto these).
CTYPE_NAMES = frozenset({
    "c_int8", "c_int16", "c_int32", "c_int64", "c_uint8", "c_uint16", "c_uint32", "c_uint64",
    "c_size_t", "c_ssize_t", "c_float", "c_double", "c_bool", "c_void_p",
})  # fmt: skip


class WorkerError(Exception):
    """A failure with a message for the user; ``stage`` says how far the benchmark got."""

    def __init__(self, message: str, stage: str = "setup") -> None:
        super().__init__(message)
        self.message = message
        self.stage = stage


# -- pure helpers (no torch) ------------------------------------------------------------


def ctype(name: str) -> type:
    """The ctypes type a request names (only the whitelisted scalar and pointer types)."""
    if name not in CTYPE_NAMES:
        raise WorkerError(f"unsupported argument type {name!r} in the request")
    return getattr(ctypes, name)


def scalar(name: str, value: Any) -> Any:
    """A ctypes scalar of type ``name`` holding ``value``."""
    kind = ctype(name)
    if name in ("c_float", "c_double"):
        return kind(float(value))
    if name == "c_bool":
        return kind(bool(value))
    if isinstance(value, bool) or not isinstance(value, int):
        raise WorkerError(f"argument of type {name} needs an integer, got {value!r}")
    return kind(value)


def percentile(ordered: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of sorted values, linearly interpolated (as torch.quantile)."""
    if not ordered:
        return math.nan
    pos = q * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def statistics(times_ms: list[float]) -> dict[str, Any]:
    """Median, p20, p80, min, max, mean and count of the timings (milliseconds)."""
    ordered = sorted(times_ms)
    return {
        "unit": "ms",
        "count": len(ordered),
        "median": percentile(ordered, 0.5),
        "p20": percentile(ordered, 0.2),
        "p80": percentile(ordered, 0.8),
        "min": ordered[0] if ordered else math.nan,
        "max": ordered[-1] if ordered else math.nan,
        "mean": sum(ordered) / len(ordered) if ordered else math.nan,
    }


def rates(median_ms: float, nbytes: int | None, flops: int | None, peaks: dict[str, Any]) -> dict[str, Any]:
    """Achieved bandwidth (GB/s) and FLOP rate (TFLOP/s), and their fractions of the peaks."""
    seconds = median_ms * 1e-3
    out: dict[str, Any] = {"bytes": nbytes, "flops": flops}
    ok = seconds > 0 and math.isfinite(seconds)
    out["bandwidth_gbps"] = nbytes / seconds / 1e9 if ok and nbytes is not None else None
    out["tflops"] = flops / seconds / 1e12 if ok and flops is not None else None
    peak_bw, peak_fl = peaks.get("copy_gbps"), peaks.get("mm_fp16_tflops")
    out["peak_bandwidth_gbps"] = peak_bw
    out["bandwidth_fraction"] = out["bandwidth_gbps"] / peak_bw if out["bandwidth_gbps"] and peak_bw else None
    out["peak_tflops"] = peak_fl if flops is not None else None
    out["flops_fraction"] = out["tflops"] / peak_fl if out["tflops"] and peak_fl else None
    return out


def peaks_path(request: dict[str, Any]) -> Path:
    """Where measured peaks are cached: the request's ``peaks_path``, else the rocm-lsp cache."""
    if request.get("peaks_path"):
        return Path(request["peaks_path"])
    if os.environ.get("ROCM_LSP_CACHE_DIR"):
        return Path(os.environ["ROCM_LSP_CACHE_DIR"]) / "peaks.json"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rocm-lsp" / "peaks.json"


def peak_key(device_name: str, arch: str, torch_version: str) -> str:
    return f"{device_name} [{arch}] | torch {torch_version}"


def load_peaks(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_peaks(path: Path, data: dict[str, Any]) -> None:
    """Write atomically; a cache that cannot be written is not an error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".peaks-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


def finite(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by None (stdout must be strict JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def repetitions_within(budget_s: float, per_call_s: float, wanted: int) -> int:
    """How many timed repetitions fit the time budget (at least MIN_REPETITIONS)."""
    if per_call_s <= 0 or not math.isfinite(per_call_s):
        return wanted
    return max(min(wanted, MIN_REPETITIONS), min(wanted, int(budget_s / per_call_s)))


# -- torch helpers ----------------------------------------------------------------------


def torch_dtype(torch: Any, name: str) -> Any:
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype):
        raise WorkerError(f"torch {torch.__version__} has no dtype {name}")
    return dtype


def fill(torch: Any, base: Any, output: bool) -> None:
    """Random data for inputs (never zeros); NaN for floating outputs so unwritten ones show."""
    n, dtype, device = base.numel(), base.dtype, base.device
    if n == 0:
        return
    if dtype.is_floating_point:
        if output:
            values = torch.full((n,), math.nan, dtype=torch.float32, device=device)
        else:
            values = torch.randn(n, dtype=torch.float32, device=device)
            if dtype.itemsize == 1:  # float8: keep well inside the range
                values *= 0.5
        base.copy_(values.to(dtype))
    elif dtype.is_complex:
        base.copy_(torch.randn(n, dtype=torch.complex64, device=device).to(dtype))
    elif dtype == torch.bool:
        base.copy_(torch.randint(0, 2, (n,), device=device).bool())
    else:
        info = torch.iinfo(dtype)
        low, high = max(info.min, -8), min(info.max, 8) + 1
        base.copy_(torch.randint(low, high, (n,), dtype=torch.int64, device=device).to(dtype))


def allocate(torch: Any, meta: dict[str, Any], device: Any) -> Any:
    """The node's tensor: a view with its exact size/stride/offset into a filled storage."""
    dtype = torch_dtype(torch, meta["dtype"])
    base = torch.empty(int(meta["storage_numel"]), dtype=dtype, device=device)
    fill(torch, base, meta.get("role") == "output")
    return base.as_strided(meta["size"], meta["stride"], meta["offset"])


def compare(torch: Any, actual: Any, expected: Any, rtol: float, atol: float) -> dict[str, Any]:
    """``torch.testing.assert_close``-like comparison, as a report instead of an exception."""
    if not isinstance(expected, torch.Tensor):
        expected = torch.as_tensor(expected, device=actual.device)
    out: dict[str, Any] = {
        "shape": list(actual.shape),
        "dtype": str(actual.dtype).removeprefix("torch."),
        "expected_dtype": str(expected.dtype).removeprefix("torch."),
        "numel": actual.numel(),
    }
    if tuple(expected.shape) != tuple(actual.shape):
        shapes = f"the kernel's output is {list(actual.shape)}, the reference gives {list(expected.shape)}"
        out.update(matched=False, error=f"shape mismatch: {shapes}")
        return out
    expected = expected.to(actual.device)
    if actual.is_complex() or expected.is_complex():
        wide = torch.complex128
    elif torch.float64 in (actual.dtype, expected.dtype):
        wide = torch.float64
    else:
        wide = torch.float32
    a, e = actual.detach().to(wide), expected.detach().to(wide)
    diff = (a - e).abs()
    scale = e.abs()
    good = (diff <= atol + rtol * scale) | (a.isnan() & e.isnan()) | (a == e)
    bad = ~good
    mismatched = int(bad.sum())
    finite_diff = torch.isfinite(diff)
    max_abs = float(diff[finite_diff].max()) if bool(finite_diff.any()) else math.nan
    rel_ok = finite_diff & (scale > 0)
    max_rel = float((diff[rel_ok] / scale[rel_ok]).max()) if bool(rel_ok.any()) else math.nan
    nan_out = int((a.isnan() & ~e.isnan()).sum())
    out.update(
        matched=mismatched == 0,
        mismatched=mismatched,
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        nan_outputs=nan_out,
    )
    if mismatched:
        flat = int(bad.flatten().nonzero()[0])
        index, rest = [], flat
        for dim in reversed(actual.shape):
            index.append(rest % dim)
            rest //= dim
        index.reverse()
        av, ev = a.flatten()[flat].item(), e.flatten()[flat].item()
        out["first_mismatch"] = {
            "index": index,
            "actual": av if isinstance(av, float) else str(av),
            "expected": ev if isinstance(ev, float) else str(ev),
        }
        if nan_out == out["numel"]:
            out["hint"] = "every element is still NaN: the kernel did not write this output"
    return out


def check(torch: Any, expected: list[Any], outputs: list[tuple[str, Any]], rtol: float, atol: float) -> dict:
    results = []
    for (name, tensor), value in zip(outputs, expected):
        results.append({"name": name, **compare(torch, tensor, value, rtol, atol)})
    report: dict[str, Any] = {
        "status": "matched" if all(r["matched"] for r in results) else "mismatch",
        "rtol": rtol,
        "atol": atol,
        "outputs": results,
    }
    if len(expected) != len(outputs):
        report["note"] = (
            f"the reference gives {len(expected)} value(s) for {len(outputs)} output(s): "
            f"compared the first {min(len(expected), len(outputs))}"
        )
        if not results:
            report["status"] = "error"
    return report


def evaluate_reference(torch: Any, reference: str, tensors: dict[str, Any]) -> list[Any]:
    """The reference's value(s), cloned, from the nodes (a "none" node is None)."""
    namespace = {"torch": torch, "F": torch.nn.functional, **tensors}
    with torch.no_grad():
        value = eval(compile(reference, "<reference>", "eval"), namespace)  # the user's own expression
    values = list(value) if isinstance(value, (tuple, list)) else [value]
    return [v.clone() if isinstance(v, torch.Tensor) else v for v in values]


class Timer:
    """Elapsed time of one call: CUDA events on a GPU, perf_counter on the CPU test device."""

    def __init__(self, torch: Any, gpu: bool) -> None:
        self.torch = torch
        self.gpu = gpu

    def sync(self) -> None:
        if self.gpu:
            self.torch.cuda.synchronize()

    def measure(self, count: int, before: Any, call: Any) -> list[float]:
        """Milliseconds of ``call()`` over ``count`` runs, ``before()`` untimed before each."""
        if not self.gpu:
            times = []
            for _ in range(count):
                before()
                start = time.perf_counter()
                call()
                times.append((time.perf_counter() - start) * 1e3)
            return times
        cuda = self.torch.cuda
        starts = [cuda.Event(enable_timing=True) for _ in range(count)]
        ends = [cuda.Event(enable_timing=True) for _ in range(count)]
        for start, end in zip(starts, ends):
            before()
            start.record()
            call()
            end.record()
        cuda.synchronize()
        return [start.elapsed_time(end) for start, end in zip(starts, ends)]


def measure_peaks(torch: Any, device: Any, want_flops: bool, known: dict[str, Any]) -> dict[str, Any]:
    """Device-to-device copy bandwidth (1 GiB) and fp16 torch.mm (4096^3) rates, medians."""
    timer = Timer(torch, True)
    found = dict(known)

    def nothing() -> None:
        pass

    if "copy_gbps" not in found:
        size = COPY_PEAK_BYTES
        while True:
            try:
                src = torch.randint(0, 256, (size,), dtype=torch.uint8, device=device)
                dst = torch.empty_like(src)
                break
            except torch.cuda.OutOfMemoryError:
                if size <= (64 << 20):
                    raise
                size //= 4
        timer.measure(3, nothing, lambda: dst.copy_(src))
        ms = statistics(timer.measure(PEAK_REPETITIONS, nothing, lambda: dst.copy_(src)))["median"]
        found["copy_gbps"] = 2 * size / (ms * 1e-3) / 1e9  # one read and one write
        found["copy_bytes"] = size
        del src, dst
    if want_flops and "mm_fp16_tflops" not in found:
        a = torch.randn(MM_PEAK_N, MM_PEAK_N, dtype=torch.float16, device=device)
        b = torch.randn(MM_PEAK_N, MM_PEAK_N, dtype=torch.float16, device=device)
        c = torch.empty_like(a)
        timer.measure(3, nothing, lambda: torch.mm(a, b, out=c))
        ms = statistics(timer.measure(PEAK_REPETITIONS, nothing, lambda: torch.mm(a, b, out=c)))["median"]
        found["mm_fp16_tflops"] = 2 * MM_PEAK_N**3 / (ms * 1e-3) / 1e12
        del a, b, c
    if found != known:
        found["measured"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    return found


# -- the benchmark ----------------------------------------------------------------------


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise WorkerError(
            f"torch cannot be imported by the benchmark interpreter {sys.executable}: {exc}",
            "torch",
        ) from None
    return torch


def _device(torch: Any, request: dict[str, Any], result: dict[str, Any]) -> tuple[Any, bool]:
    kind = request.get("device", "cuda")
    result["torch"] = torch.__version__
    if kind == "cpu":  # a test mode: a host library, perf_counter timing, no peaks
        result["device"] = "cpu"
        result["arch"] = "cpu"
        return torch.device("cpu"), False
    if not torch.cuda.is_available():
        built = torch.version.hip or torch.version.cuda
        why = "this torch is built for CPU only" if not built else "no GPU is visible to it"
        raise WorkerError(
            f"no CUDA/ROCm GPU device: torch.cuda.is_available() is False in {sys.executable} "
            f"(torch {torch.__version__}: {why})",
            "device",
        )
    torch.cuda.set_device(0)
    props = torch.cuda.get_device_properties(0)
    result["device"] = torch.cuda.get_device_name(0)
    result["arch"] = getattr(props, "gcnArchName", None) or f"sm_{props.major}{props.minor}"
    result["backend"] = f"hip {torch.version.hip}" if torch.version.hip else f"cuda {torch.version.cuda}"
    print(f"rocm-lsp bench: {result['device']} ({result['arch']})", file=sys.stderr)
    return torch.device("cuda:0"), True


def _load(request: dict[str, Any]) -> Any:
    path, symbol = request["library"], request["symbol"]
    try:
        library = ctypes.CDLL(path)
    except OSError as exc:
        raise WorkerError(f"cannot load the kernel library {path}: {exc}", "load") from None
    try:
        fn = getattr(library, symbol)
    except AttributeError:
        raise WorkerError(
            f"{path} exports no symbol {symbol}: is the kernel name right, and is the entry point "
            f'declared extern "C" with PT_EXPORT?',
            "load",
        ) from None
    fn.restype = ctypes.c_int
    fn.argtypes = [ctype(a["ctype"]) for a in request["args"]]
    return fn


def _arguments(request: dict[str, Any], tensors: dict[str, Any], workspace: Any, size_out: Any, stream: Any):
    """The C arguments: ``size_out`` set means the workspace query (every buffer NULL)."""
    out = []
    for arg in request["args"]:
        kind = arg["kind"]
        if kind == "buffer":
            out.append(None if size_out is not None else tensors[arg["node"]].data_ptr())
        elif kind in ("size", "size_arg", "runtime"):
            out.append(scalar(arg["ctype"], arg["value"]))
        elif kind == "workspace_size":
            out.append(ctypes.addressof(size_out) if size_out is not None else None)
        elif kind == "workspace":
            out.append(None if size_out is not None or workspace is None else workspace.data_ptr())
        elif kind == "stream":
            out.append(stream)
        else:
            raise WorkerError(f"unknown argument kind {kind!r} in the request")
    return out


def run(request: dict[str, Any], result: dict[str, Any] | None = None) -> dict[str, Any]:
    """Benchmark per ``request``; ``result`` (filled as it goes) keeps the device on failure."""
    started = time.perf_counter()
    result = {} if result is None else result
    if request.get("version") != PROTOCOL_VERSION:
        raise WorkerError(
            f"request version {request.get('version')!r}, this worker speaks {PROTOCOL_VERSION}: "
            "the server and bench_worker.py come from different rocm-lsp versions"
        )
    torch = _import_torch()
    result.update(ok=True, symbol=request["symbol"])
    device, gpu = _device(torch, request, result)
    fn = _load(request)
    symbol = request["symbol"]

    torch.manual_seed(int(request.get("seed", 0)))
    tensors: dict[str, Any] = {}
    with torch.no_grad():
        for name, meta in request["nodes"].items():
            tensors[name] = None if meta is None else allocate(torch, meta, device)
    stream = torch.cuda.current_stream().cuda_stream if gpu else None
    timer = Timer(torch, gpu)

    needed = ctypes.c_size_t(0)
    rc = fn(*_arguments(request, tensors, None, needed, stream))
    try:
        timer.sync()
    except RuntimeError as exc:
        raise WorkerError(
            f"the workspace query (all buffers NULL, workspace_size set) failed on the device: {exc}; "
            "the kernel must only set *workspace_size and return when workspace_size is non-null",
            "workspace",
        ) from None
    if rc != 0:
        raise WorkerError(
            f"the workspace query ({symbol} with workspace_size set) returned {rc}", "workspace"
        )
    if needed.value > MAX_WORKSPACE_BYTES:
        raise WorkerError(
            f"the kernel asks for a {needed.value}-byte workspace: is *workspace_size set?", "workspace"
        )
    workspace = torch.zeros(needed.value, dtype=torch.uint8, device=device) if needed.value else None
    result["workspace_bytes"] = needed.value
    args = _arguments(request, tensors, workspace, None, stream)

    expected = None
    reference = request.get("reference")
    if reference:
        try:
            expected = evaluate_reference(torch, reference, tensors)
        except Exception as exc:  # noqa: BLE001 - any error of the user's expression
            why = f"the reference {reference!r} failed: {type(exc).__name__}: {exc}"
            result["check"] = {"status": "error", "error": why}
    else:
        result["check"] = {"status": "skipped", "error": "no [bench] reference in the header"}

    def call() -> None:
        code = fn(*args)
        if code != 0:
            raise WorkerError(f"{symbol} returned {code} (non-zero: the kernel reported an error)", "run")

    call()
    try:
        timer.sync()
    except RuntimeError as exc:
        raise WorkerError(f"the kernel failed on the device: {exc}", "run") from None
    if expected is not None:
        outputs = [(name, tensors[name]) for name in request["outputs"]]
        result["check"] = check(torch, expected, outputs, float(request["rtol"]), float(request["atol"]))
        del expected

    flush = torch.empty(L2_FLUSH_BYTES // 4, dtype=torch.int32, device=device) if gpu else None
    before = flush.zero_ if flush is not None else (lambda: None)
    warmup = max(0, int(request.get("warmup", 10)))
    wanted = max(1, int(request.get("repetitions", 100)))
    begin = time.perf_counter()
    for _ in range(warmup):
        before()
        call()
    timer.sync()
    per_call = (time.perf_counter() - begin) / warmup if warmup else 0.0
    count = repetitions_within(float(request.get("time_budget_s", 10.0)), per_call, wanted)
    times = timer.measure(count, before, call)
    stats = statistics(times)
    stats["warmup"] = warmup
    result["timing"] = stats
    del flush, workspace
    tensors.clear()

    peaks: dict[str, Any] = {}
    if gpu and request.get("measure_peaks", True):
        torch.cuda.empty_cache()
        path = peaks_path(request)
        cache = load_peaks(path)
        key = peak_key(result["device"], result["arch"], torch.__version__)
        found = cache.get(key)
        known: dict[str, Any] = found if isinstance(found, dict) else {}
        try:
            peaks = measure_peaks(torch, device, request.get("flops") is not None, known)
        except Exception as exc:  # noqa: BLE001 - the kernel's numbers stand without peaks
            peaks = dict(known)
            result["peaks_error"] = f"{type(exc).__name__}: {exc}"
        result["peaks_cached"] = peaks == known
        if peaks != known:
            cache[key] = peaks
            save_peaks(path, cache)
        result["peaks_path"] = str(path)
    result["peaks"] = peaks
    result.update(rates(stats["median"], request.get("bytes"), request.get("flops"), peaks))
    result["seconds"] = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # One JSON document on the real stdout; everything else printed goes to stderr.
    sys.stdout.flush()
    real_stdout = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    context: dict[str, Any] = {}
    try:
        text = Path(argv[0]).read_text(encoding="utf-8") if argv else sys.stdin.read()
        try:
            request = json.loads(text)
        except ValueError as exc:
            raise WorkerError(f"the request is not JSON: {exc}", "request") from None
        if not isinstance(request, dict):
            raise WorkerError("the request must be a JSON object", "request")
        result = run(request, context)
    except WorkerError as exc:
        result = {"ok": False, "error": exc.message, "stage": exc.stage}
    except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON answer
        name = type(exc).__name__
        message = f"{name}: {exc}"
        if "OutOfMemoryError" in name:
            message = f"out of GPU memory: {exc}"
        result = {"ok": False, "error": message, "stage": "run", "traceback": traceback.format_exc(limit=8)}
    if not result["ok"]:  # say which device and torch failed, when known
        result.update({k: context[k] for k in ("device", "arch", "backend", "torch") if k in context})
    real_stdout.write(json.dumps(finite(result)) + "\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
