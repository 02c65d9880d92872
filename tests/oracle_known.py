"""Divergences between rocm-lsp and real torch 2.13 found by the differential test
(tests/test_oracle_differential.py, scripts/oracle-hunt.py), as minimal repros.

Each entry has a minimal case, the output real torch 2.13.0+cpu gave for it (recorded with
``scripts/record_exactness.py --run``) and a matcher that recognises the divergence in a random case.
``test_oracle_regressions.py`` runs every repro:

* an OPEN entry (``fixed`` empty) is an ``xfail(strict=True)`` test, and the differential
  test tolerates a random case whose FIRST differing call it matches (later differences in
  that case may be consequences; ``ROCM_LSP_ORACLE_STRICT=1`` tolerates nothing). A fix
  turns the xfail into an XPASS failure: then set ``fixed`` to the fixing commit;
* a FIXED entry is a plain regression test that must keep passing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]
EMPTY_STATE = {
    "input_buffers": {},
    "output_buffers": {},
    "sizevars": {},
    "named_nodes": {},
    "signature": None,
}
INDEX_KEYS = ("start", "end", "start_index", "end_index")
SLICE_ERROR = ("TypeError", "slice indices must be integers or None or have an __index__ method")
NOT_STR = {"type": "TypeError", "message": "list indices must be integers or slices, not str"}
OVERFLOW = {"type": "OverflowError", "message": f"{2**64} too big to convert to int64_t"}


@dataclass(frozen=True)
class Known:
    key: str
    summary: str
    case: dict
    torch: dict  # torch 2.13's output for ``case``
    # (case, the call as written, our record, torch's record) of the first differing call.
    matches: Callable[[dict, dict, Record, Record], bool]
    fixed: str = ""  # the commit that fixed it; empty while the divergence is open


def _error(rec: Record) -> tuple[str, str] | None:
    err = rec.get("error")
    return (err["type"], err["message"]) if err else None


def _size_index_of_type(call: dict, kinds: tuple[type, ...]) -> bool:
    return call.get("call") == "size" and any(isinstance(call.get(k), kinds) for k in INDEX_KEYS if k in call)


def _is_e1(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    a, b = _error(ours), _error(torch)
    return (
        case.get("impl", "rocm") == "rocm"
        and a is not None
        and b is not None
        and a[0] == b[0] == "TypeError"
        and b[1].startswith("Kernel.arg_name()")
        and a[1] == "ROCmTemplate" + b[1]
    )


def _is_e2(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    return case.get("impl") == "seed" and _size_index_of_type(call, (bool,))


def _is_e3(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    return (
        case.get("impl") == "seed"
        and _size_index_of_type(call, (str,))
        and _error(torch) is not None
        and _error(torch)[1].startswith("'>=' not supported between instances of 'str'")
    )


def _is_e4(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    return case.get("impl") == "seed" and _size_index_of_type(call, (float,)) and _error(torch) == SLICE_ERROR


def _is_e5(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    return call.get("call") == "def_kernel" and isinstance(call.get("input_reorder"), (str, dict))


def _is_e6(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    reorder = call.get("input_reorder")
    return (
        call.get("call") == "def_kernel"
        and isinstance(reorder, list)
        and any(isinstance(i, bool) for i in reorder)
    )


def _is_e7(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    a, b = _error(ours), _error(torch)
    return a is not None and a[0] == "SizeOverflowError" and b == ("OverflowError", a[1])


# $render sources (tests/oracle_strategies.py IR_PROBES) whose output depends on E8..E11.
ARITHMETIC_PROBES = (" / ", " is integer", " is sameas ", "tojson")


def _render_source(call: dict) -> str:
    return call.get("source", "") if call.get("call") == "$render" else ""


def _is_e8(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    source = _render_source(call)
    return any(p in source for p in ARITHMETIC_PROBES) and "get_" in source


def _is_e9(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    return ".dtype}}" in _render_source(call) and "layout" not in _render_source(call)


def _is_e10(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    return ".get_device()" in _render_source(call)


def _is_e11(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    source = _render_source(call)
    return "get_dtype() ==" in source or "dtype == " in source


def _is_e12(case: dict, call: dict, ours: Record, torch: Record) -> bool:
    return "get_dtype().is_" in _render_source(call)


def _render(source: str) -> dict:
    return {"call": "$render", "source": source, "context": {"X": {"node": "X"}}}


def _nodes(*specs: tuple[str, list]) -> list[dict]:
    return [{"name": n, "dtype": "float16", "size": size} for n, size in specs]


XWY = _nodes(("X", [4]), ("W", [4]), ("Y", [4]))

KNOWN: list[Known] = [
    Known(
        "E1",
        "rocm-2.13 arg_name(): a call with a missing or unexpected argument is reported as "
        "'ROCmTemplateKernel.arg_name() ...'; torch 2.13's ROCmTemplateKernel inherits "
        "arg_name from Kernel, so Python says 'Kernel.arg_name() ...'",
        {
            "id": "E1",
            "impl": "rocm",
            "nodes": _nodes(("X", [4])),
            "calls": [{"call": "arg_name"}, {"call": "arg_name", "node": "X", "index": 0}],
        },
        {
            "calls": [
                {
                    "call": "arg_name",
                    "error": {
                        "type": "TypeError",
                        "message": "Kernel.arg_name() missing 1 required positional argument: 'node'",
                    },
                },
                {
                    "call": "arg_name",
                    "error": {
                        "type": "TypeError",
                        "message": "Kernel.arg_name() got an unexpected keyword argument 'index'",
                    },
                },
            ],
            "state": EMPTY_STATE,
        },
        _is_e1,
        fixed="4edd51b",
    ),
    Known(
        "E2",
        "seed size(): a bool start/end index is rejected with TypeError, but the seed's "
        "_normalize_idx and list slicing accept bools (True is 1, False is 0)",
        {
            "id": "E2",
            "impl": "seed",
            "nodes": _nodes(("X", [8, 16, 32])),
            "calls": [
                {"call": "size", "node": "X", "start": True},
                {"call": "size", "node": "X", "start": False, "end": True},
            ],
        },
        {
            "calls": [{"call": "size", "result": "16L"}, {"call": "size", "result": "128L"}],
            "state": EMPTY_STATE,
        },
        _is_e2,
        fixed="4edd51b",
    ),
    Known(
        "E3",
        "seed size(): a str start/end index fails with \"'str' object cannot be interpreted "
        "as an integer\"; torch fails in _normalize_idx's comparison: \"'>=' not supported "
        "between instances of 'str' and 'int'\"",
        {
            "id": "E3",
            "impl": "seed",
            "nodes": _nodes(("X", [8, 16])),
            "calls": [
                {"call": "size", "node": "X", "start": "0"},
                {"call": "size", "node": "X", "start": 0, "end": "1"},
            ],
        },
        {
            "calls": [
                {
                    "call": "size",
                    "error": {
                        "type": "TypeError",
                        "message": "'>=' not supported between instances of 'str' and 'int'",
                    },
                }
            ]
            * 2,
            "state": EMPTY_STATE,
        },
        _is_e3,
        fixed="4edd51b",
    ),
    Known(
        "E4",
        "seed size(): a float start/end index fails with \"'float' object cannot be "
        'interpreted as an integer"; torch fails when slicing: "slice indices must be '
        'integers or None or have an __index__ method"',
        {
            "id": "E4",
            "impl": "seed",
            "nodes": _nodes(("X", [8, 16])),
            "calls": [
                {"call": "size", "node": "X", "start": 1.0},
                {"call": "size", "node": "X", "start": 0, "end": 1.5},
            ],
        },
        {
            "calls": [
                {
                    "call": "size",
                    "error": {"type": SLICE_ERROR[0], "message": SLICE_ERROR[1]},
                }
            ]
            * 2,
            "state": EMPTY_STATE,
        },
        _is_e4,
        fixed="4edd51b",
    ),
    Known(
        "E5",
        "def_kernel(): an input_reorder that is a str or dict (has a len(), is not a list) "
        "fails with \"object of type 'str' has no len()\"; torch takes its len() (a wrong "
        'length is a bare AssertionError) and then fails indexing: "list indices must be '
        'integers or slices, not str"',
        {
            "id": "E5",
            "impl": "rocm",
            "nodes": XWY,
            "calls": [
                {
                    "call": "def_kernel",
                    "inputs": ["X", "W"],
                    "outputs": ["Y"],
                    "names_str": "X, W, Y",
                    "input_reorder": reorder,
                    "size_args": [],
                }
                for reorder in ("10", {"1": 0, "0": 1}, "0")
            ],
        },
        {
            "calls": [
                {"call": "def_kernel", "error": NOT_STR},
                {"call": "def_kernel", "error": NOT_STR},
                {"call": "def_kernel", "error": {"type": "AssertionError", "message": ""}},
            ],
            "state": EMPTY_STATE,
        },
        _is_e5,
        fixed="4edd51b",
    ),
    Known(
        "E6",
        'def_kernel(): bool entries in input_reorder are rejected ("list indices must be '
        'integers or slices, not bool"); torch indexes with them (True is 1, False is 0)',
        {
            "id": "E6",
            "impl": "seed",
            "nodes": XWY,
            "calls": [
                {
                    "call": "def_kernel",
                    "inputs": ["X", "W"],
                    "outputs": ["Y"],
                    "names_str": "X, W, Y",
                    "input_reorder": [True, False],
                }
            ],
        },
        {
            "calls": [
                {
                    "call": "def_kernel",
                    "result": "PT_EXPORT int KERNEL_NAME(const half* W, const half* X, half* Y, "
                    "size_t* workspace_size, uint8_t* workspace, hipStream_t stream)",
                }
            ],
            "state": {
                "input_buffers": {"W": "W", "X": "X"},
                "output_buffers": {"Y": "Y"},
                "sizevars": {},
                "named_nodes": {"W": "W", "X": "X", "Y": "Y"},
                "signature": None,
            },
        },
        _is_e6,
        fixed="4edd51b",
    ),
    Known(
        "E7",
        "seed size()/check_not_null(): a size product beyond int64 raises rocm-lsp's "
        "SizeOverflowError out of the hook (not a HookError), so it is reported as "
        "SizeOverflowError; torch's CppPrinter raises OverflowError (same message)",
        {
            "id": "E7",
            "impl": "seed",
            "nodes": _nodes(("X", [4611686018427387904, 4])),
            "calls": [
                {"call": "size", "node": "X", "start": 0, "end": 1},
                {"call": "def_kernel", "inputs": ["X"], "outputs": [], "names_str": "X"},
                {"call": "check_not_null", "node": "X"},
            ],
        },
        {
            "calls": [
                {"call": "size", "error": OVERFLOW},
                {
                    "call": "def_kernel",
                    "result": "PT_EXPORT int KERNEL_NAME(const half* X, size_t* workspace_size, "
                    "uint8_t* workspace, hipStream_t stream)",
                },
                {"call": "check_not_null", "error": OVERFLOW},
            ],
            "state": {
                "input_buffers": {"X": "X"},
                "output_buffers": {},
                "sizevars": {},
                "named_nodes": {"X": "X"},
                "signature": None,
            },
        },
        _is_e7,
        fixed="4edd51b",
    ),
    Known(
        "E8",
        "IR nodes: constant size/stride/numel entries are Python ints, torch's are "
        "sympy.Integer; in a template, `/` gives 21.333333333333332 instead of 64/3 (and "
        "96.0 instead of 96), `is integer`/`is sameas` differ, and `tojson` succeeds where "
        "torch raises TypeError",
        {
            "id": "E8",
            "impl": "rocm",
            "nodes": _nodes(("X", [64, 3])),
            "calls": [
                _render("{{X.get_size()[0] / 3}} {{X.get_numel() / 2}} {{X.get_stride()[0] / 2}}"),
                _render("{{X.get_size()[0] is integer}} {{X.get_size()[0] is sameas 64}}"),
                _render("{{X.get_size()|tojson}}"),
            ],
        },
        {
            "calls": [
                {"call": "$render", "result": "64/3 96 3/2"},
                {"call": "$render", "result": "False False"},
                {
                    "call": "$render",
                    "error": {
                        "type": "TypeError",
                        "message": "Object of type Integer is not JSON serializable",
                    },
                },
            ],
            "state": EMPTY_STATE,
        },
        _is_e8,
        fixed="85e6eea",
    ),
    Known(
        "E9",
        "IR nodes: `node.dtype` is the bare name 'float16'; torch's Buffer.dtype is "
        "torch.float16, which renders as 'torch.float16'",
        {
            "id": "E9",
            "impl": "seed",
            "nodes": _nodes(("X", [64])),
            "calls": [_render("{{X.dtype}}")],
        },
        {"calls": [{"call": "$render", "result": "torch.float16"}], "state": EMPTY_STATE},
        _is_e9,
        fixed="85e6eea",
    ),
    Known(
        "E10",
        "IR nodes: no get_device() (torch's Buffer.get_device() renders as 'cuda:0'); a "
        "template calling it fails with UndefinedError in rocm-lsp",
        {
            "id": "E10",
            "impl": "rocm",
            "nodes": _nodes(("X", [64])),
            "calls": [_render("{{X.get_device()}}")],
        },
        {"calls": [{"call": "$render", "result": "cuda:0"}], "state": EMPTY_STATE},
        _is_e10,
        fixed="85e6eea",
    ),
    Known(
        "E11",
        "IR nodes: get_dtype() and get_layout().dtype are strings, so "
        "`X.get_dtype() == 'torch.float16'` is True in rocm-lsp; torch compares a "
        "torch.dtype with a str: False",
        {
            "id": "E11",
            "impl": "seed",
            "nodes": _nodes(("X", [64])),
            "calls": [
                _render("{{X.get_dtype() == 'torch.float16'}} {{X.get_layout().dtype == 'torch.float16'}}")
            ],
        },
        {"calls": [{"call": "$render", "result": "False False"}], "state": EMPTY_STATE},
        _is_e11,
        fixed="85e6eea",
    ),
    Known(
        "E12",
        "IR nodes: the dtype get_dtype() returns (ir.TorchDtype) has itemsize but not "
        "torch.dtype's is_floating_point / is_complex / is_signed; a template using them "
        "fails with UndefinedError",
        {
            "id": "E12",
            "impl": "rocm",
            "nodes": _nodes(("X", [4])) + [{"name": "I", "dtype": "uint8", "size": [4]}],
            "calls": [
                _render(
                    "{{X.get_dtype().is_floating_point}} {{X.get_dtype().is_complex}} "
                    "{{X.get_dtype().is_signed}}"
                ),
                {
                    "call": "$render",
                    "source": "{{X.get_dtype().is_floating_point}} {{X.get_dtype().is_signed}}",
                    "context": {"X": {"node": "I"}},
                },
            ],
        },
        {
            "calls": [
                {"call": "$render", "result": "True False True"},
                {"call": "$render", "result": "False False"},
            ],
            "state": EMPTY_STATE,
        },
        _is_e12,
        fixed="292e491",
    ),
]


def expected_output(known: Known) -> dict:
    """``known.torch`` in the oracle's full output shape."""
    return {"id": known.case["id"], "impl": known.case.get("impl", "rocm"), **known.torch}


OPEN = [k for k in KNOWN if not k.fixed]


def match(case: dict, call: dict, ours: Record, torch: Record) -> Known | None:
    """The open divergence a case's first differing call shows, if any."""
    return next((k for k in OPEN if k.matches(case, call, ours, torch)), None)
