"""Benchmark one compiled template kernel: run by the user's benchmark interpreter (with torch).

Usage (the server runs this file by path, so it imports only the standard library and torch)::

    PYTHON path/to/bench_worker.py < request.json     # or: PYTHON bench_worker.py request.json
    PYTHON -m rocm_lsp.gpu.bench_worker < request.json
    PYTHON path/to/bench_worker.py --serve            # one request per stdin line, until EOF

It reads one request (see ``bench_request.py`` for the schema) and writes exactly ONE JSON
object to stdout, then exits 0 — also on failure: ``{"ok": false, "error": "…", "stage": "…"}``.
With ``--serve`` it stays up: each stdin line is one request and gets one JSON answer line
(flushed; a line that is not a JSON object is answered ``"stage": "request"``), torch is imported
once and measured peaks are kept in memory, each answer carries ``served`` (lines answered so
far) and the request's ``index``; it exits 0 at EOF. Anything else the process prints (device
``printf``, library chatter) goes to stderr, so stdout carries only answers. A crash (segfault,
abort) or a hang is the caller's to handle: run this in a separate process with the request's
``timeout_s``.

Steps: pick ``cuda:0``; load the library with ctypes; allocate every node with its exact
size/stride/offset, inputs random (never zeros), outputs NaN-filled (an unwritten output shows);
ask the kernel its workspace size (non-null ``workspace_size``, buffers NULL) and allocate a
zeroed workspace; evaluate the reference on the pristine inputs; call the kernel, synchronize and
compare; time ``warmup`` calls then up to ``repetitions`` calls, each after an L2 flush, with
CUDA events around the call only; then time each of the request's ``choices`` the same way (the
same flush, warmup and count) on the same tensors: "eager" is the ``baseline`` expression, and
"inductor" is ``torch.compile`` of it (its first call, compilation included, untimed), each
checked against the reference; a choice that fails says so in its own entry and never fails the
kernel's result. Report statistics, achieved bandwidth and FLOP rate, and the fraction of the
device's measured peaks (cached per device and torch version).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

# The protocol's shapes are TypedDicts in bench_request.py, which this file cannot import (it
# runs without rocm_lsp): the request is BenchRequest (NodeSpec, BenchArg), the one JSON object
# written is BenchResponse (BenchTiming, BenchCheck, OutputCheck, FirstMismatch, BenchPeaks,
# ChoiceResult).
# tests/test_bench_protocol.py checks that the keys read and written here are theirs: change a
# key in both places.
PROTOCOL_VERSION = 1
L2_FLUSH_BYTES = 256 << 20
COPY_PEAK_BYTES = 1 << 30
MM_PEAK_N = 4096
PEAK_REPETITIONS = 10
MIN_REPETITIONS = 5
MAX_WORKSPACE_BYTES = 64 << 30
MAX_CHOICE_ERROR = 2000  # characters of a failed choice's message (compiler output can be long)

# --serve: each library path this process loaded, as (device, inode, mtime, size) it was then.
LOADED: dict[str, tuple[int, int, int, int]] = {}

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


def values_of(torch: Any, value: Any) -> list[Any]:
    """An expression's value(s) as a list, tensors cloned (a tuple or list is several)."""
    values = list(value) if isinstance(value, (tuple, list)) else [value]
    return [v.clone() if isinstance(v, torch.Tensor) else v for v in values]


def evaluate_reference(torch: Any, reference: str, tensors: dict[str, Any]) -> list[Any]:
    """The reference's value(s), cloned, from the nodes (a "none" node is None)."""
    namespace = {"torch": torch, "F": torch.nn.functional, **tensors}
    with torch.no_grad():
        value = eval(compile(reference, "<reference>", "eval"), namespace)  # the user's own expression
    return values_of(torch, value)


def baseline_function(torch: Any, baseline: str, names: list[str]) -> Any:
    """The baseline expression as a function of the nodes, in ``names`` order."""
    source = f"lambda {', '.join(names)}: ({baseline}\n)"
    namespace = {"torch": torch, "F": torch.nn.functional}
    return eval(compile(source, "<baseline>", "eval"), namespace)  # the user's own expression


def describe(exc: BaseException) -> str:
    """An exception for the user: its type and message (out-of-memory said plainly)."""
    name = type(exc).__name__
    if "OutOfMemoryError" in name:
        return f"out of GPU memory: {exc}"
    return f"{name}: {exc}"


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


class Schedule:
    """How the kernel and the choices are timed alike: ``warmup`` calls, then ``count`` timed
    ones, each after ``before()`` (the L2 flush on a GPU)."""

    def __init__(self, timer: Timer, before: Any, warmup: int, count: int) -> None:
        self.timer = timer
        self.before = before
        self.warmup = warmup
        self.count = count

    def warm(self, call: Any) -> float:
        """Run the warmup calls; seconds per call (0 without warmup)."""
        begin = time.perf_counter()
        for _ in range(self.warmup):
            self.before()
            call()
        self.timer.sync()
        return (time.perf_counter() - begin) / self.warmup if self.warmup else 0.0

    def timing(self, call: Any) -> dict[str, Any]:
        """Statistics of ``count`` timed calls (run :meth:`warm` first)."""
        stats = statistics(self.timer.measure(self.count, self.before, call))
        stats["warmup"] = self.warmup
        return stats


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
    result["visible_devices"] = os.environ.get("CUDA_VISIBLE_DEVICES")
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


def _open(path: str) -> Any:
    """``ctypes.CDLL(path)``; a library rebuilt at a path this process loaded before is loaded
    from a fresh copy (dlopen would hand back the one it loaded)."""
    try:
        st = os.stat(path)
    except OSError:
        return ctypes.CDLL(path)  # its error says why
    identity = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
    if LOADED.setdefault(path, identity) == identity:
        return ctypes.CDLL(path)
    with tempfile.TemporaryDirectory(prefix="rocm-lsp-bench-") as folder:
        return ctypes.CDLL(shutil.copy(path, folder))


def _load(request: dict[str, Any]) -> Any:
    path, symbol = request["library"], request["symbol"]
    try:
        library = _open(path)
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


def _choice(
    torch: Any, name: str, request: dict[str, Any], tensors: dict[str, Any], expected: Any, schedule: Schedule
) -> dict[str, Any]:
    """Time one of the request's ``choices`` as the kernel was, on its tensors, and check it
    against the reference's values (``expected``, None without); a failure is its answer."""
    out: dict[str, Any] = {"ok": False}
    stage = "baseline"
    try:
        baseline = request.get("baseline")
        if name not in ("eager", "inductor"):
            raise WorkerError(f"unknown choice {name!r}: the choices are eager and inductor", "request")
        if not baseline:
            raise WorkerError("no [bench] baseline or reference expression in the header", "baseline")
        names = list(request["nodes"])
        inputs = [tensors[n] for n in names]
        function = baseline_function(torch, baseline, names)
        stage = "run"
        if name == "inductor":
            mode = request.get("inductor_mode", "default")
            out["mode"] = mode
            stage = "compile"
            function = torch.compile(function, mode=None if mode == "default" else mode, dynamic=False)

        def call() -> Any:
            return function(*inputs)

        with torch.no_grad():
            start = time.perf_counter()
            values = values_of(torch, call())
            schedule.timer.sync()
            if name == "inductor":
                out["compile_seconds"] = time.perf_counter() - start
            stage = "check"
            if expected is not None:
                outputs = request["outputs"]
                if len(values) != len(outputs):
                    why = f"the baseline gives {len(values)} value(s) for {len(outputs)} output(s)"
                    raise WorkerError(why, stage)
                actual = [(o, torch.as_tensor(v)) for o, v in zip(outputs, values)]
                out["check"] = check(torch, expected, actual, float(request["rtol"]), float(request["atol"]))
            del values
            stage = "run"
            schedule.warm(call)
            stats = schedule.timing(call)
        speed = rates(stats["median"], request.get("bytes"), request.get("flops"), {})
        out.update(ok=True, timing=stats, bandwidth_gbps=speed["bandwidth_gbps"], tflops=speed["tflops"])
    except WorkerError as exc:
        out.update(ok=False, error=exc.message, stage=exc.stage)
    except Exception as exc:  # noqa: BLE001 - a failing choice never fails the kernel's result
        message = describe(exc)
        if len(message) > MAX_CHOICE_ERROR:
            message = message[:MAX_CHOICE_ERROR] + " …"
        out.update(ok=False, error=message, stage=stage)
    if name == "inductor":
        with contextlib.suppress(Exception):
            torch._dynamo.reset()  # a long-lived worker keeps no compiled graph (nor its memory pool)
    return out


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


def run(
    request: dict[str, Any], result: dict[str, Any] | None = None, peaks_memory: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Benchmark per ``request``; ``result`` (filled as it goes) keeps the device on failure;
    ``peaks_memory`` (``--serve``) keeps each peaks file's contents across requests."""
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
    choices = request.get("choices", [])
    if not choices:
        expected = None  # only the choices' checks need the reference's values now

    flush = torch.empty(L2_FLUSH_BYTES // 4, dtype=torch.int32, device=device) if gpu else None
    before = flush.zero_ if flush is not None else (lambda: None)
    schedule = Schedule(timer, before, max(0, int(request.get("warmup", 10))), 0)
    wanted = max(1, int(request.get("repetitions", 100)))
    per_call = schedule.warm(call)
    schedule.count = repetitions_within(float(request.get("time_budget_s", 10.0)), per_call, wanted)
    stats = schedule.timing(call)
    result["timing"] = stats
    del workspace
    result["choices"] = {name: _choice(torch, name, request, tensors, expected, schedule) for name in choices}
    del flush, before, schedule, expected
    tensors.clear()

    peaks: dict[str, Any] = {}
    if gpu and request.get("measure_peaks", True):
        torch.cuda.empty_cache()
        path = peaks_path(request)
        memory = {} if peaks_memory is None else peaks_memory
        if str(path) not in memory:
            memory[str(path)] = load_peaks(path)
        cache = memory[str(path)]
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


def answer(text: bytes, peaks_memory: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON answer to one request (UTF-8 JSON); every failure becomes ``{"ok": false, …}``."""
    context: dict[str, Any] = {}
    request: Any = None
    try:
        try:
            request = json.loads(text)
        except ValueError as exc:
            raise WorkerError(f"the request is not JSON: {exc}", "request") from None
        if not isinstance(request, dict):
            raise WorkerError("the request must be a JSON object", "request")
        result = run(request, context, peaks_memory)
    except WorkerError as exc:
        result = {"ok": False, "error": exc.message, "stage": exc.stage}
    except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON answer
        trace = traceback.format_exc(limit=8)
        result = {"ok": False, "error": describe(exc), "stage": "run", "traceback": trace}
    if not result["ok"]:  # say which device and torch failed, when known
        known = ("device", "arch", "backend", "torch", "visible_devices")
        result.update({k: context[k] for k in known if k in context})
    if isinstance(request, dict) and "index" in request:
        result["index"] = request["index"]  # the caller's number for this request, echoed
    return finite(result)


def serve(out: Any) -> int:
    """``--serve``: answer each stdin line (one request) with one line on ``out``, until EOF."""
    peaks_memory: dict[str, Any] = {}
    served = 0
    for line in sys.stdin.buffer:  # bytes: a line that is not UTF-8 is answered, as any non-JSON
        served += 1
        result = answer(line, peaks_memory)
        result["served"] = served
        out.write(json.dumps(result) + "\n")
        out.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Only answers on the real stdout; everything else printed goes to stderr.
    sys.stdout.flush()
    real_stdout = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if argv[:1] == ["--serve"]:
        return serve(real_stdout)
    try:
        text = Path(argv[0]).read_bytes() if argv else sys.stdin.buffer.read()
    except OSError as exc:
        result: dict[str, Any] = {"ok": False, "error": f"cannot read the request: {exc}", "stage": "request"}
    else:
        result = answer(text)
    real_stdout.write(json.dumps(result) + "\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
