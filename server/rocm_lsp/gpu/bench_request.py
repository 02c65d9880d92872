"""The benchmark request: what the worker needs to call one compiled kernel, as plain JSON.

:func:`make_request` turns an :class:`~rocm_lsp.core.engine.analysis.Analysis` (of the render the
library was compiled from) into a JSON-serialisable dict that ``bench_worker.py`` reads on
stdin in the user's benchmark interpreter. Everything concrete is computed here, from the
header's ``[shapes]``, ``[vars]`` and ``[bench]``: the worker evaluates nothing but the
reference and baseline expressions. No torch here, and no ``eval``.

Request schema (``version`` 1)::

    {
      "version": 1,
      "library": "/abs/path/lib.so",          # the shared library to load with ctypes
      "symbol": "gemm_bias_fp16",             # the exported entry point
      "profile": "seed",
      "nodes": {                              # every [nodes] entry, for allocation and the reference
        "X": {"dtype": "float16", "size": [4096, 4096], "stride": [4096, 1], "offset": 0,
              "storage_numel": 16777216, "numel": 16777216, "itemsize": 2, "role": "input"},
        "Bias": null,                         # a "none" node: None in the reference
        ...
      },
      "args": [                               # the C ABI arguments, in order
        {"kind": "buffer", "name": "X", "node": "X", "role": "input", "cpp_type": "const half*",
         "ctype": "c_void_p"},
        {"kind": "size", "name": "ks0", "symbol": "s0", "cpp_type": "const long",
         "ctype": "c_int64", "value": 4096},
        {"kind": "size_arg", "name": "M", "cpp_type": "int32_t", "ctype": "c_int32", "value": 4096},
        {"kind": "runtime", "name": "kBatch", "cpp_type": "int32_t", "ctype": "c_int32", "value": 1},
        {"kind": "workspace_size", "name": "workspace_size", "cpp_type": "size_t*", "ctype": "c_void_p"},
        {"kind": "workspace", "name": "workspace", "cpp_type": "uint8_t*", "ctype": "c_void_p"},
        {"kind": "stream", "name": "stream", "cpp_type": "hipStream_t", "ctype": "c_void_p"}
      ],
      "outputs": ["Y"],                       # output nodes in parameter order (reference order)
      "reference": "X @ W + Bias" | null, "rtol": 0.01, "atol": 0.01,
      "flops": 137438953472 | null, "bytes": 100671488,
      "warmup": 10, "repetitions": 100, "time_budget_s": 10.0, "timeout_s": 180.0,
      "seed": 0, "measure_peaks": true, "peaks_path": null,
      "baseline": "X @ W + Bias" | null,      # [bench].baseline, else the reference: what "eager" runs
      "choices": ["eager", "inductor"],       # also timed after the kernel ([]: the kernel alone)
      "inductor_mode": "default",             # or "max-autotune": torch.compile's mode for "inductor"
      "index": 3                              # optional: the caller's number, echoed in the answer
    }

The answer has, besides the kernel's timing and check, ``"choices": {"eager": {"ok": true,
"timing": …, "check": …, "bandwidth_gbps": …, "tflops": …}, "inductor": {…, "mode": "default",
"compile_seconds": 41.2}}`` (a failed choice: ``"ok": false`` with ``error`` and ``stage``; it
never fails the kernel's result), ``index`` when the request had one, ``visible_devices`` and,
from ``bench_worker.py --serve`` (one request per stdin line, one answer per stdout line),
``served``.

The request is typed :class:`BenchRequest` and the worker's answer :class:`BenchResponse` below;
``bench_worker.py`` cannot import them (it runs without rocm_lsp), so
``tests/test_bench_protocol.py`` checks the keys it reads and writes against them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict

from rocm_lsp.core.engine.header import NodeDecl
from rocm_lsp.core.model.dtypes import ITEMSIZE
from rocm_lsp.core.model.sizes import SizeExpr, SizeSyntaxError, evaluate, parse_size

REQUEST_VERSION = 1
DEFAULT_RTOL = 1e-2
DEFAULT_ATOL = 1e-2
DEFAULT_WARMUP = 10
DEFAULT_REPETITIONS = 100
DEFAULT_TIME_BUDGET_S = 10.0  # the timing loop stops early once it has spent this long
DEFAULT_TIMEOUT_S = 180.0  # for the caller: kill the worker after this long (peaks included)
SIZE_ARG_VALUES_VAR = "size_arg_values"
CHOICES = ("eager", "inductor")  # what a benchmark may time besides the kernel
INDUCTOR_MODES = ("default", "max-autotune")

# C scalar types a kernel parameter may have -> the ctypes type the worker passes.
CTYPES: dict[str, str] = {
    "int8_t": "c_int8", "int16_t": "c_int16", "int32_t": "c_int32", "int64_t": "c_int64",
    "uint8_t": "c_uint8", "uint16_t": "c_uint16", "uint32_t": "c_uint32", "uint64_t": "c_uint64",
    "char": "c_int8", "signed char": "c_int8", "unsigned char": "c_uint8",
    "short": "c_int16", "short int": "c_int16", "unsigned short": "c_uint16",
    "int": "c_int32", "signed": "c_int32", "signed int": "c_int32",
    "unsigned": "c_uint32", "unsigned int": "c_uint32",
    "long": "c_int64", "long int": "c_int64", "long long": "c_int64", "long long int": "c_int64",
    "unsigned long": "c_uint64", "unsigned long long": "c_uint64",
    "size_t": "c_size_t", "std::size_t": "c_size_t", "ssize_t": "c_ssize_t",
    "ptrdiff_t": "c_ssize_t", "std::ptrdiff_t": "c_ssize_t",
    "std::int32_t": "c_int32", "std::int64_t": "c_int64",
    "std::uint32_t": "c_uint32", "std::uint64_t": "c_uint64",
    "index_t": "c_int32", "ck::index_t": "c_int32", "ck::long_index_t": "c_int64",
    "float": "c_float", "double": "c_double", "bool": "c_bool",
}  # fmt: skip

_INT_BITS: dict[str, tuple[int, bool]] = {
    "c_int8": (8, True), "c_int16": (16, True), "c_int32": (32, True), "c_int64": (64, True),
    "c_uint8": (8, False), "c_uint16": (16, False), "c_uint32": (32, False), "c_uint64": (64, False),
    "c_size_t": (64, False), "c_ssize_t": (64, True),
}  # fmt: skip

_DECLARATION = re.compile(r"^\s*(?P<type>.*\S)\s+(?P<name>[A-Za-z_]\w*)\s*$")


# -- the protocol: request ----------------------------------------------------------------


class NodeSpec(TypedDict):
    """A ``[nodes]`` entry made concrete: what the worker allocates (a "none" node is null)."""

    dtype: str  # a torch dtype's name
    size: list[int]
    stride: list[int]
    offset: int
    storage_numel: int  # elements of the storage the view lives in
    numel: int
    itemsize: int
    role: str  # "input", "output" or "unused"


class BufferArg(TypedDict):
    """A pointer parameter bound to a node (passed NULL in the workspace query)."""

    kind: Literal["buffer"]
    name: str
    node: str
    role: str  # "input" (a const pointer) or "output"
    cpp_type: str
    ctype: str  # always "c_void_p"


class SizeArg(TypedDict):
    """A ``ks…`` size parameter: its ``[shapes]`` symbol's value."""

    kind: Literal["size"]
    name: str
    symbol: str
    cpp_type: str
    ctype: str  # a ``CTYPES`` value
    value: int | float | bool


class ScalarArg(TypedDict):
    """A ``size_args`` declaration or a runtime argument, with its value."""

    kind: Literal["size_arg", "runtime"]
    name: str
    cpp_type: str
    ctype: str
    value: int | float | bool


class TrailingArg(TypedDict):
    """The parameters every entry point ends with: workspace size, workspace, stream."""

    kind: Literal["workspace_size", "workspace", "stream"]
    name: str
    cpp_type: str
    ctype: str  # always "c_void_p"


BenchArg = BufferArg | SizeArg | ScalarArg | TrailingArg  # the C ABI arguments, by ``kind``


class _BenchRequestFields(TypedDict):
    version: int  # REQUEST_VERSION; the worker refuses any other
    library: str  # the shared library's absolute path
    symbol: str  # the exported entry point
    profile: str  # for the record; the worker does not read it
    nodes: dict[str, NodeSpec | None]
    args: list[BenchArg]  # in parameter order
    outputs: list[str]  # output nodes in parameter order (the reference's order)
    reference: str | None  # a torch expression over the nodes
    rtol: float
    atol: float
    flops: int | None
    bytes: int  # moved by one call ([bench].bytes, else every node once)
    warmup: int
    repetitions: int
    time_budget_s: float
    timeout_s: float  # the caller's: it kills the worker after this long; the worker does not read it
    seed: int
    measure_peaks: bool
    peaks_path: str | None  # where measured peaks are cached (None: the rocm-lsp cache)
    baseline: str | None  # a torch expression over the nodes ([bench].baseline, else the reference)
    choices: list[str]  # of CHOICES, timed after the kernel
    inductor_mode: str  # of INDUCTOR_MODES: torch.compile's mode for the "inductor" choice


class BenchRequest(_BenchRequestFields, total=False):
    """What ``bench_worker.py`` reads on stdin (``make_request`` fills every required key)."""

    device: str  # "cpu": the worker's test mode (a host library, no GPU); default "cuda"
    index: int  # the caller's number for the request, echoed in the answer


# -- the protocol: response ---------------------------------------------------------------


class BenchTiming(TypedDict):
    """Statistics of the timed calls, in milliseconds (NaN becomes null)."""

    unit: str  # "ms"
    count: int
    median: float | None
    p20: float | None
    p80: float | None
    min: float | None
    max: float | None
    mean: float | None
    warmup: int


class FirstMismatch(TypedDict):
    index: list[int]
    actual: float | str
    expected: float | str


class OutputCheck(TypedDict, total=False):
    """One output compared with the reference's value (``name``, ``shape``, … always present;
    ``error`` alone on a shape mismatch, the error statistics otherwise)."""

    name: str
    shape: list[int]
    dtype: str
    expected_dtype: str
    numel: int
    matched: bool
    error: str
    mismatched: int
    max_abs_error: float | None
    max_rel_error: float | None
    nan_outputs: int
    first_mismatch: FirstMismatch
    hint: str


class BenchCheck(TypedDict, total=False):
    """The reference check: ``status`` "matched", "mismatch", "error" or "skipped"."""

    status: str
    error: str  # why the reference could not be checked
    rtol: float
    atol: float
    outputs: list[OutputCheck]
    note: str  # the reference gives another number of values than there are outputs


class BenchPeaks(TypedDict, total=False):
    """The device's measured peaks (cached per device and torch version)."""

    copy_gbps: float
    copy_bytes: int
    mm_fp16_tflops: float
    measured: str  # when, as an ISO timestamp


class ChoiceResult(TypedDict, total=False):
    """One of the request's choices, timed and checked as the kernel is: ``ok`` always; on
    failure ``error`` and ``stage`` ("request", "baseline", "compile", "run" or "check")."""

    ok: bool
    error: str
    stage: str
    timing: BenchTiming
    check: BenchCheck
    compile_seconds: float  # "inductor": its first call, compilation included (untimed)
    mode: str  # "inductor": torch.compile's mode
    bandwidth_gbps: float | None  # from the request's bytes, as the kernel's
    tflops: float | None


class BenchResponse(TypedDict, total=False):
    """The worker's one JSON object on stdout: ``ok`` always; on failure ``error`` and ``stage``
    (and the device when known), on success the rest (``bench.run_worker`` answers failures of
    the process itself in the same shape)."""

    ok: bool
    error: str
    stage: str  # how far a failed benchmark got: "request", "torch", "device", "load", "run", …
    traceback: str
    symbol: str
    torch: str  # torch's version
    device: str
    arch: str
    backend: str  # "hip 6.2…" or "cuda 12.…"
    workspace_bytes: int
    check: BenchCheck
    timing: BenchTiming
    peaks: BenchPeaks
    peaks_error: str
    peaks_cached: bool
    peaks_path: str
    bytes: int | None
    flops: int | None
    bandwidth_gbps: float | None
    tflops: float | None
    peak_bandwidth_gbps: float | None
    bandwidth_fraction: float | None
    peak_tflops: float | None
    flops_fraction: float | None
    seconds: float  # the worker's own run time
    choices: dict[str, ChoiceResult]  # by the request's choices
    index: int  # the request's, when it had one
    visible_devices: str | None  # CUDA_VISIBLE_DEVICES as the worker saw it
    served: int  # --serve: the requests (lines) this process has answered, this one included


class BenchSetupError(Exception):
    """The template cannot be benchmarked as declared; the message says what to add or fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def scalar_ctype(cpp_type: str) -> str | None:
    """The ctypes name for a C scalar type (``const`` and spacing ignored), or None."""
    words = [w for w in cpp_type.split() if w not in ("const", "volatile")]
    return CTYPES.get(" ".join(words))


def make_request(
    analysis: Any,
    library_path: str | Path,
    kernel_name: str | None = None,
    *,
    warmup: int = DEFAULT_WARMUP,
    repetitions: int = DEFAULT_REPETITIONS,
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    seed: int = 0,
    measure_peaks: bool = True,
    peaks_path: str | None = None,
    choices: Sequence[str] = CHOICES,
    inductor_mode: str = "default",
    index: int | None = None,
) -> BenchRequest:
    """The benchmark request for the library compiled from ``analysis.rendered``.

    ``kernel_name`` is the exported symbol (default: the header's ``kernel_name``); ``choices``
    are timed after the kernel, ``index`` is echoed in the answer.
    Raises :class:`BenchSetupError` with a message a person can act on.
    """
    unknown = [c for c in (*choices, inductor_mode) if c not in (*CHOICES, *INDUCTOR_MODES)]
    if unknown:
        raise BenchSetupError(
            f"cannot benchmark {unknown[0]!r}: the choices are {', '.join(CHOICES)}, the Inductor modes "
            f"{', '.join(INDUCTOR_MODES)}"
        )
    header = analysis.header
    rendered = analysis.rendered
    if rendered is None or rendered.failure is not None or rendered.text is None:
        raise BenchSetupError("the template does not render: fix its errors before benchmarking")
    calls = [c for c in rendered.calls if c.hook == "def_kernel" and c.error is None]
    if not calls:
        raise BenchSetupError("the template never calls kernel.def_kernel(): there is no entry point to call")
    call = calls[-1]  # parameters accumulate over calls: the last one is the exported signature
    shapes: dict[str, int] = dict(header.shapes)

    nodes: dict[str, NodeSpec | None] = {}
    for name, decl in header.nodes.items():
        nodes[name] = None if decl.is_none else _concrete_node(decl, shapes)

    args: list[BenchArg] = []
    outputs: list[str] = []
    for cpp_type, param, outer in call.parameters:
        if cpp_type.rstrip().endswith("*"):
            role = "input" if cpp_type.lstrip().startswith("const") else "output"
            node = nodes.get(outer)
            if node is None:
                raise BenchSetupError(f"parameter {param} is bound to {outer}, which is not a declared node")
            if role == "output" and outer not in outputs:
                outputs.append(outer)
            if node["role"] != "output":
                node["role"] = role
            args.append(
                {"kind": "buffer", "name": param, "node": outer, "role": role, "cpp_type": cpp_type,
                 "ctype": "c_void_p"}
            )  # fmt: skip
        else:
            args.append(_size_param(cpp_type, param, outer, shapes))

    size_args = call.arguments.get("size_args") or []  # rocm-2.13: C declarations after the buffers
    if size_args:
        values = _size_arg_values(header.vars)
        args += [_size_arg(decl, values, shapes) for decl in size_args]
    # rocm-2.13: runtime args after the size args (the seed kernel has none)
    args += [_runtime_arg(name, ty, value) for name, ty, value in _runtime_args(rendered)]
    args += [
        {"kind": "workspace_size", "name": "workspace_size", "cpp_type": "size_t*", "ctype": "c_void_p"},
        {"kind": "workspace", "name": "workspace", "cpp_type": "uint8_t*", "ctype": "c_void_p"},
        {"kind": "stream", "name": "stream", "cpp_type": "hipStream_t", "ctype": "c_void_p"},
    ]

    bench = header.bench
    flops = _bench_expr(bench.get("flops"), "flops", shapes)
    nbytes = _bench_expr(bench.get("bytes"), "bytes", shapes)
    if nbytes is None:
        nbytes = sum(n["numel"] * n["itemsize"] for n in nodes.values() if n is not None)
    request: BenchRequest = {
        "version": REQUEST_VERSION,
        "library": str(Path(library_path).resolve()),
        "symbol": kernel_name or header.kernel_name,
        "profile": analysis.profile,
        "nodes": nodes,
        "args": args,
        "outputs": outputs,
        "reference": bench.get("reference"),
        "rtol": float(bench.get("rtol", DEFAULT_RTOL)),
        "atol": float(bench.get("atol", DEFAULT_ATOL)),
        "flops": flops,
        "bytes": nbytes,
        "warmup": int(warmup),
        "repetitions": int(repetitions),
        "time_budget_s": float(time_budget_s),
        "timeout_s": float(timeout_s),
        "seed": int(seed),
        "measure_peaks": bool(measure_peaks),
        "peaks_path": peaks_path,
        "baseline": bench.get("baseline") or bench.get("reference"),
        "choices": list(choices),
        "inductor_mode": inductor_mode,
    }
    if index is not None:
        request["index"] = index
    return request


# -- nodes ------------------------------------------------------------------------------


def _value(entry: SizeExpr, shapes: Mapping[str, int], what: str) -> int:
    missing = sorted(entry.symbols - set(shapes))
    if missing:
        names = ", ".join(missing)
        example = "\n".join(f"{m} = 128" for m in missing)
        raise BenchSetupError(
            f"{what} is {entry.text!r}, but {names} {'has' if len(missing) == 1 else 'have'} no value "
            f"in [shapes]: benchmarking needs concrete sizes; add to the header\n[shapes]\n{example}"
        )
    return evaluate(entry.tree, dict(shapes))


def _concrete_node(decl: NodeDecl, shapes: Mapping[str, int]) -> NodeSpec:
    name = decl.name
    assert decl.dtype is not None
    size = [_value(e, shapes, f"size[{i}] of node {name}") for i, e in enumerate(decl.size)]
    if decl.stride is None:
        stride, acc = [], 1
        for s in reversed(size):
            stride.append(acc)
            acc *= s
        stride.reverse()
    else:
        stride = [_value(e, shapes, f"stride[{i}] of node {name}") for i, e in enumerate(decl.stride)]
    offset = 0 if decl.offset is None else _value(decl.offset, shapes, f"offset of node {name}")
    for key, values in (("size", size), ("stride", stride), ("offset", [offset])):
        if any(v < 0 for v in values):
            raise BenchSetupError(f"node {name} has a negative {key} {values} with these [shapes]")
    numel = 1
    for s in size:
        numel *= s
    storage = offset + (1 + sum((s - 1) * st for s, st in zip(size, stride)) if numel else 0)
    return {
        "dtype": decl.dtype,
        "size": size,
        "stride": stride,
        "offset": offset,
        "storage_numel": storage,
        "numel": numel,
        "itemsize": ITEMSIZE[decl.dtype],
        "role": "unused",
    }


# -- scalar parameters ------------------------------------------------------------------


def _checked(name: str, cpp_type: str, ctype: str, value: Any, source: str) -> int | float | bool:
    if ctype in ("c_float", "c_double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BenchSetupError(f"{source} for {cpp_type} {name} must be a number, got {value!r}")
        return float(value)
    if ctype == "c_bool":
        if not isinstance(value, (bool, int)):
            raise BenchSetupError(f"{source} for bool {name} must be true or false, got {value!r}")
        return bool(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BenchSetupError(f"{source} for {cpp_type} {name} must be an integer, got {value!r}")
    bits, signed = _INT_BITS[ctype]
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not low <= value <= high:
        raise BenchSetupError(f"{source} {value} for {name} does not fit in {cpp_type} ({low}..{high})")
    return value


def _ctype_for(cpp_type: str, name: str, what: str) -> str:
    ctype = scalar_ctype(cpp_type)
    if ctype is None:
        raise BenchSetupError(
            f"{what} {name} has C type {cpp_type!r}, which the benchmark cannot pass; use an integer "
            f"or floating-point type such as int32_t, int64_t or float"
        )
    return ctype


def _size_param(cpp_type: str, param: str, symbol: str, shapes: Mapping[str, int]) -> SizeArg:
    ctype = _ctype_for(cpp_type, param, "size parameter")
    if symbol not in shapes:
        raise BenchSetupError(
            f"size parameter {param} stands for symbol {symbol}, which has no value in [shapes]; "
            f"add to the header\n[shapes]\n{symbol} = 128"
        )
    value = _checked(param, cpp_type, ctype, shapes[symbol], f"[shapes] value of {symbol}")
    return {
        "kind": "size",
        "name": param,
        "symbol": symbol,
        "cpp_type": cpp_type,
        "ctype": ctype,
        "value": value,
    }


def _size_arg_values(variables: Mapping[str, Any]) -> Mapping[str, Any]:
    values = variables.get(SIZE_ARG_VALUES_VAR, {})
    if not isinstance(values, Mapping):
        raise BenchSetupError(
            f"[vars] {SIZE_ARG_VALUES_VAR} must be a table of size argument name = value, "
            f'like {SIZE_ARG_VALUES_VAR} = {{ M = "s0", N = 4096 }}'
        )
    return values


def _size_arg(decl: Any, values: Mapping[str, Any], shapes: Mapping[str, int]) -> ScalarArg:
    m = _DECLARATION.match(decl) if isinstance(decl, str) else None
    if m is None or "*" in m.group("type") or "&" in m.group("type"):
        raise BenchSetupError(
            f'size_args entry {decl!r} is not a scalar C declaration such as "int32_t M": the '
            f"benchmark cannot pass it"
        )
    name, cpp_type = m.group("name"), m.group("type").strip()
    ctype = _ctype_for(cpp_type, name, "size argument")
    if name in values:
        raw, source = values[name], f"[vars] {SIZE_ARG_VALUES_VAR}.{name}"
        if isinstance(raw, str):  # an expression over [shapes] symbols, e.g. "s0" or "2*s0"
            try:
                expr = parse_size(raw)
            except SizeSyntaxError as exc:
                raise BenchSetupError(f"{source} = {raw!r} is not a size expression: {exc}") from None
            raw = _value(expr, shapes, source)
    elif name in shapes:
        raw, source = shapes[name], f"[shapes] {name}"
    else:
        raise BenchSetupError(
            f"size argument {name} ({decl}) needs a value to benchmark: add it to the header as\n"
            f"[vars]\n{SIZE_ARG_VALUES_VAR} = {{ {name} = 128 }}\n"
            f'(a number, or an expression over [shapes] symbols such as "s0"), or as {name} = 128 in [shapes]'
        )
    value = _checked(name, cpp_type, ctype, raw, source)
    return {"kind": "size_arg", "name": name, "cpp_type": cpp_type, "ctype": ctype, "value": value}


def _runtime_args(rendered: Any) -> list[tuple[str, str, Any]]:
    """``(name, C type, value)`` of the kernel's runtime args (none for the seed profile)."""
    info = getattr(rendered.kernel, "runtime_arg_info", None) or []
    values = getattr(rendered.kernel, "runtime_arg_values", None) or [None] * len(info)
    return [(name, ty, value) for (name, ty), value in zip(info, values)]


def _runtime_arg(name: str, ty: str, value: Any) -> ScalarArg:
    ctype = _ctype_for(ty, name, "runtime argument")
    if value is None:
        raise BenchSetupError(
            f"runtime argument {name} has no value: give it one in the header, e.g. "
            f'runtime_args = [{{ name = "{name}", ty = "{ty}", value = 1 }}]'
        )
    value = _checked(name, ty, ctype, value, "runtime_args value")
    return {"kind": "runtime", "name": name, "cpp_type": ty, "ctype": ctype, "value": value}


def _bench_expr(entry: Any, key: str, shapes: Mapping[str, int]) -> int | None:
    if entry is None:
        return None
    if not isinstance(entry, SizeExpr):
        try:
            entry = parse_size(entry)
        except SizeSyntaxError as exc:
            raise BenchSetupError(f"[bench] {key} is not a size expression: {exc}") from None
    value = _value(entry, shapes, f"[bench] {key}")
    if value < 0:
        raise BenchSetupError(f"[bench] {key} is negative ({value}) with these [shapes]")
    return value
