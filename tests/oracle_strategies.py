"""Hypothesis strategies for random cases in ``scripts/record_exactness.py``'s case format.

A case has random nodes (dtypes from the profile's table, now and then one it lacks;
sizes mixing integers and symbolic expressions in the grammar of ``core/model/sizes.py``;
optional strides and offsets) and a random sequence of hook calls, with the arguments a
template author gets wrong: names_str with odd whitespace, trailing commas, duplicates or
the wrong count; input_reorder permutations, ``[2, 0, 1]``, wrong lengths, out-of-range
and non-integer entries; ``None`` inputs; size() indices past the rank; missing or
malformed ``size_args``.

Every draw is a single choice where possible (``sampled_from`` over prepared pools), so
that one Hypothesis example can hold a batch of many cases.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from rocm_lsp.core.model.profiles import PROFILES, profile_for_torch

IMPLS = ("seed", "rocm")

# -- dtypes ------------------------------------------------------------------------------

REFERENCE_TORCH = "2.13.0"


def valid_dtypes(impl: str, torch: str) -> list[str]:
    """Dtypes the impl's table maps, as that torch's profile has them."""
    profile = PROFILES["seed" if impl == "seed" else str(profile_for_torch(torch))]
    return sorted(profile.dtype_table)


def invalid_dtypes(impl: str, torch: str) -> list[str]:
    """Dtypes that torch has and the impl's table lacks (def_kernel raises KeyError for them)."""
    return sorted(PROFILES[str(profile_for_torch(torch))].dtypes - set(valid_dtypes(impl, torch)))


# Other spellings torch accepts for a dtype (the header accepts them too).
DTYPE_SPELLINGS = ["half", "float", "double", "long", "int", "torch.float16", "torch.bfloat16"]

# -- size entries -----------------------------------------------------------------------

SYMBOLS = ["s0", "s1", "s2", "M", "seq_len", "u0"]
# Rarer names that exercise symbol classification: N and K are not size symbols, S3 is
# (the prefix test is case-insensitive), ps0 is a precomputed size, zuf0 an unbacked float
# (a `const float` argument), seed is special-cased by KernelArgs.size, ks0 collides with
# the renamed names; S, E and sin are also sympy names; _x starts with no prefix letter.
RARE_SYMBOLS = ["N", "K", "S3", "ps0", "zuf0", "seed", "ks0", "x", "s10", "U1"]
RARE_SYMBOLS += ["S", "E", "sin", "_x"]
SMALL_INTS = [0, 1, 1, 2, 3, 4, 7, 8, 16, 32, 64, 64, 128, 256, 1000, 1024, 4096]
BIG_INTS = [2**31 - 1, 2**31, 2**32, 2**40, 2**62, 2**63 - 1]
# Expression shapes over one to three symbols; only what core/model/sizes.py parses.
TEMPLATES = [
    "{a}",
    "{a}",
    "2*{a} + 1",
    "{a}*{b}",
    "{a}**2",
    "{a} - 1",
    "({a} + 1)*({b} + 2)",
    "{a} + {b}",
    "-{a} + 2*{b}",
    "{a}*{b}*{c}",
    "({a} - {b})**3",
    "4*{a}",
    "{a}**0",
    "{a} - {a}",
    "3*({a} + {b}) - {c}",
    "{a}*(({b}))",
    "{a}**2*{b} + {c}",
    "64*{a}*{b}",
    "{a}**3 - {b}",
    "({a} + 2)**2",
    "-{a}",
    "-(-{a})",
    "2*(-{a} + 1)",
    "{a}*-{b}",
    "0*{a}",
    "{a}*1 + 0",
    "4611686018427387904*{a}",
    "{a}*2147483648",
    "({a}*{b} - {c})**2",
    "{a}**32",
]


@st.composite
def symbol(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(RARE_SYMBOLS))
    return draw(st.sampled_from(SYMBOLS))


def _deep(draw: st.DrawFn, depth: int) -> str:
    """A random expression tree, fully parenthesised, in the grammar of core/model/sizes.py."""
    op = draw(st.sampled_from(["leaf", "leaf", "+", "-", "*", "*", "**", "neg"]))
    if depth == 0 or op == "leaf":
        if draw(st.booleans()):
            return str(draw(st.sampled_from([0, 1, 2, 3, 5, 64])))
        return draw(symbol())
    if op == "neg":
        return f"-({_deep(draw, depth - 1)})"
    if op == "**":
        return f"({_deep(draw, depth - 1)})**{draw(st.integers(0, 4))}"
    return f"({_deep(draw, depth - 1)}) {op} ({_deep(draw, depth - 1)})"


@st.composite
def size_entry(draw: st.DrawFn) -> int | str:
    dice = draw(st.integers(0, 19))
    if dice < 9:
        return draw(st.sampled_from(SMALL_INTS))
    if dice == 9:
        return draw(st.sampled_from(BIG_INTS))
    if dice == 10:
        return _deep(draw, 3)
    template = draw(st.sampled_from(TEMPLATES))
    names = {k: draw(symbol()) for k in "abc" if "{" + k + "}" in template}
    return template.format(**names)


# -- nodes -----------------------------------------------------------------------------

NODE_NAMES = ["X", "W", "Bias", "Y", "A", "arg0_1", "arg1_1", "buf_out", "o"]


@st.composite
def node_spec(draw: st.DrawFn, name: str, impl: str, torch: str = REFERENCE_TORCH) -> dict[str, Any]:
    dice = draw(st.integers(0, 19))
    invalid = invalid_dtypes(impl, torch)
    if dice < 16 or not invalid:
        dtype = draw(st.sampled_from(valid_dtypes(impl, torch)))
    elif dice < 18:
        dtype = draw(st.sampled_from(invalid))
    else:
        dtype = draw(st.sampled_from(DTYPE_SPELLINGS))
    rank = draw(st.sampled_from([0, 1, 1, 2, 2, 2, 3, 3, 4]))
    size = [draw(size_entry()) for _ in range(rank)]
    spec: dict[str, Any] = {"name": name, "dtype": dtype, "size": size}
    extras = draw(st.integers(0, 19))
    if extras < 4:
        spec["stride"] = [draw(size_entry()) for _ in range(rank)]
    elif extras == 4:
        spec["offset"] = draw(size_entry())
    elif extras < 8:
        spec["kind"] = "InputBuffer"
    return spec


# -- hook calls ------------------------------------------------------------------------

PARAM_NAMES = ["X", "W", "Bias", "Y", "A", "B", "inv_scale_x", "Z", "out", "X", "W", ""]
SEPARATORS = [", ", ", ", ",", " , ", ",\t", " ,\n  ", ",  "]
PADDING = ["", "", "", " ", "  ", "\n", "\t ", " \n", "\r\n", "\u00a0", "\x0b\u2003"]
SIZE_ARGS = ["int32_t M", "int32_t N", "int32_t K", "int32_t LDA", "int64_t B", "const int ks0"]
DEFAULTS = [0, 1, 7, "N", "1", None, 2.5, True, -1, [1, 2], "ks0", ""]
EXOTIC_INDICES = [True, False, "0", 1.5, None, -0.0]


def _ref(nodes: list[str]) -> st.SearchStrategy[str | None]:
    return st.sampled_from([*nodes, *nodes, None])


@st.composite
def names_str(draw: st.DrawFn, count: int) -> Any:
    dice = draw(st.integers(0, 19))
    if dice == 0:
        return draw(st.sampled_from([None, 3, ["X", "Y"], "X Y"]))
    if dice < 3:
        count = max(0, count + draw(st.sampled_from([-1, 1])))
    names = [draw(st.sampled_from(PARAM_NAMES)) for _ in range(count)]
    sep = draw(st.sampled_from(SEPARATORS))
    text = sep.join(names)
    if dice == 3:
        text += ","
    return draw(st.sampled_from(PADDING)) + text + draw(st.sampled_from(PADDING))


@st.composite
def input_reorder(draw: st.DrawFn, n: int) -> Any:
    dice = draw(st.integers(0, 19))
    if dice < 3:
        return draw(st.permutations(list(range(n))))
    if dice < 5:
        return [2, 0, 1]
    if dice < 7:
        length = draw(st.sampled_from([n, n, max(0, n - 1), n + 1]))
        return [draw(st.integers(-n - 2, n + 2)) for _ in range(length)]
    if dice == 7:
        return draw(
            st.sampled_from(
                [
                    "".join(str(i) for i in range(n)),
                    n,
                    [True] * n,
                    [float(i) for i in range(n)],
                    [None] * n,
                    {str(i): i for i in range(n)},
                    [2.0, 0, 1],
                ]
            )
        )
    return "omit"


@st.composite
def size_args(draw: st.DrawFn) -> Any:
    dice = draw(st.integers(0, 19))
    if dice == 0:
        return "omit"
    if dice == 1:
        return draw(st.sampled_from(["int32_t M", None, 3, []]))
    args = [draw(st.sampled_from(SIZE_ARGS)) for _ in range(draw(st.integers(0, 3)))]
    if dice == 2:
        args.insert(draw(st.integers(0, len(args))), draw(st.sampled_from([1, None, ["x"]])))
    return args


@st.composite
def def_kernel_call(draw: st.DrawFn, impl: str, nodes: list[str]) -> dict[str, Any]:
    n_in = draw(st.sampled_from([0, 1, 2, 2, 3, 3, 3, 4, 5]))
    n_out = draw(st.sampled_from([0, 1, 1, 1, 2]))
    call: dict[str, Any] = {
        "call": "def_kernel",
        "inputs": [draw(_ref(nodes)) for _ in range(n_in)],
        "outputs": [draw(_ref(nodes)) for _ in range(n_out)],
    }
    names = draw(names_str(n_in + n_out))
    if names != "" or draw(st.booleans()):
        call["names_str"] = names
    reorder = draw(input_reorder(n_in))
    if reorder != "omit":
        call["input_reorder"] = reorder
    if impl == "rocm":
        args = draw(size_args())
        if args != "omit":
            call["size_args"] = args
    elif draw(st.integers(0, 29)) == 0:
        call["size_args"] = ["int32_t M"]
    return call


def _index(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 29)) == 0:
        return draw(st.sampled_from(EXOTIC_INDICES))
    return draw(st.integers(-5, 5))


@st.composite
def size_call(draw: st.DrawFn, nodes: list[str]) -> dict[str, Any]:
    call: dict[str, Any] = {"call": "size", "node": draw(_ref(nodes))}
    if draw(st.integers(0, 29)):
        call["start"] = _index(draw)
    dice = draw(st.integers(0, 9))
    if dice < 4:
        call["end"] = _index(draw)
    elif dice == 4:
        call["end"] = None
    if draw(st.integers(0, 2)) == 0:
        call["default"] = draw(st.sampled_from(DEFAULTS))
    return call


# What templates do with IR nodes: the node API rocm-lsp models (ir.IRNode), arithmetic
# on sizes, and Jinja tests/filters whose result depends on the value's Python type.
IR_PROBES = [
    "{{N0.get_name()}} {{N0.get_size()}} {{N0.get_stride()}}",
    "{{N0.get_dtype()}}",
    "{{N0}}",
    "{{N0.get_layout()}}",
    "{{N0.get_numel()}}",
    "{% for s in N0.get_size() %}[{{s}}]{% endfor %}",
    "{{N0.get_size()[0] / 3}}",
    "{{N0.get_numel() / 2}}",
    "{{N0.get_size()[0] // 2}} {{N0.get_size()[-1] % 3}} {{N0.get_size()[0] * 2 + 1}}",
    "{{N0.get_size()[-1] is integer}}",
    "{{N0.get_size()|length}} {{N0.get_size()|join('x')}}",
    "{{N0.get_layout().stride}} {{N0.get_layout().offset}} {{N0.get_layout().device}}",
    "{{N0.dtype}}",
    "{{N0.get_device()}}",
    "{{N0.get_dtype() == 'torch.float16'}}",
    "{{N0.get_dtype().itemsize}} {{N0.get_dtype().is_floating_point}}",
    "{{N0.get_device().type}} {{N0.get_device().index}} {{N0.get_layout().device}}",
    "{{N0.get_size()[-1] == 1}} {{N0.get_stride()[-1] != 1}} {{N0.get_size()|sum}}",
    "{{kernel.named_nodes}} {{kernel.args.input_buffers}}",
]


# Template syntax errors: Inductor's DetailedTemplateSyntaxError text, with context lines.
SYNTAX_PROBES = [
    "{{ N0 }",
    "line1\nline2\n{{ N0 }\nline4\nline5",
    "{% if N0 %}\nunclosed",
    "{% endfor %}",
    "{{ N0 | nosuchfilter }}",
    "{{ kernel.size(N0, }}",
]


def _render_source(draw: st.DrawFn, impl: str) -> str:
    start = draw(st.integers(-3, 3))
    # (No get_signature() for the seed: see call().)
    extra = ["{{kernel.get_signature()}}"] if impl == "rocm" else []
    return draw(
        st.sampled_from(
            extra
            + [
                "{{kernel.arg_name(N0)}}",
                f"{{{{kernel.size(N0, {start})}}}}",
                "{{kernel.size(N0, 0, -1, 1)}}",
                "{{kernel.check_not_null(N0)}}",
                "{{kernel.stride(N0, 0)}}",
                "{{kernel.kernel_name}} {{kernel.arg_name(N1)}}",
                "{{kernel.def_kernel(inputs=[N0], outputs=[N1], names_str='X, Y')}}",
                "{{kernel.def_kernel(inputs=[N0], outputs=[N1], names_str='X, Y', size_args=[])}}",
            ]
            + IR_PROBES
            + SYNTAX_PROBES
        )
    )


def odd_calls(nodes: list[str]) -> list[dict[str, Any]]:
    return [
        {"call": "arg_name", "node": nodes[0], "index": 0},
        {"call": "arg_name"},
        {"call": "check_not_null"},
        {"call": "def_kernel", "outputs": [], "names_str": "X"},
        {"call": "size", "node": nodes[0], "start": 0, "stop": 1},
        {"call": "size", "args": [{"node": nodes[0]}, -1, 0, "1"]},
        {"call": "size", "args": [{"node": nodes[0]}, 0], "node": nodes[0]},
        {"call": "check_not_null", "args": [{"node": nodes[-1]}]},
        {"call": "arg_name", "args": [{"node": nodes[-1]}, 1]},
        {"call": "get_signature", "args": [1]},
        {"call": "def_kernel", "args": [[], []]},
        {"call": "def_kernel", "args": [[{"node": nodes[0]}], [], ["int32_t M"], "X"]},
    ]


@st.composite
def call(draw: st.DrawFn, impl: str, nodes: list[str]) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["def_kernel"] * 6
            + ["size"] * 6
            + ["check_not_null"] * 3
            + ["arg_name"] * 3
            + ["get_signature"] * 2
            + ["args.cpp_argdefs", "$render", "$render", "$render", "stride", "odd_args"]
        )
    )
    if kind == "def_kernel":
        return draw(def_kernel_call(impl, nodes))
    if kind == "size":
        return draw(size_call(nodes))
    if kind in ("check_not_null", "arg_name"):
        return {"call": kind, "node": draw(_ref(nodes))}
    if kind == "get_signature":
        if impl == "seed":
            # The oracle's seed class subclasses torch 2.13's ROCmTemplateKernel and so
            # inherits its get_signature(); the real seed class had none (rocm-lsp's seed
            # profile has none either). Not a comparison of the seed's behaviour.
            return {"call": "arg_name", "node": draw(_ref(nodes))}
        return {"call": "get_signature"}
    if kind == "stride":
        return {"call": "stride", "node": draw(_ref(nodes)), "index": 0}
    if kind == "args.cpp_argdefs":
        if draw(st.booleans()):
            return {"call": kind, "kwargs": {"dtype_to_cpp_type": {"$ref": "DTYPE_TO_ROCM_TYPE"}}}
        return {"call": kind}
    if kind == "odd_args":
        # A hook called with an argument it does not take, without a required one, or
        # positionally. (No get_signature for the seed: see above.)
        return draw(
            st.sampled_from([c for c in odd_calls(nodes) if impl == "rocm" or c["call"] != "get_signature"])
        )
    return {
        "call": "$render",
        "source": _render_source(draw, impl),
        "context": {"N0": {"node": draw(_ref(nodes))}, "N1": {"node": draw(_ref(nodes))}},
    }


RUNTIME_ARGS = [{"name": "kBatch", "ty": "int32_t"}, {"name": "splitK", "ty": "int"}]


@st.composite
def case(draw: st.DrawFn, torch: str = REFERENCE_TORCH) -> dict[str, Any]:
    impl = draw(st.sampled_from(IMPLS))
    names = draw(st.lists(st.sampled_from(NODE_NAMES), min_size=1, max_size=4, unique=True))
    out: dict[str, Any] = {"impl": impl}
    out["kernel_name"] = draw(st.sampled_from(["KERNEL_NAME", "rocm_ck_gemm_template", "k"]))
    if impl == "rocm" and draw(st.integers(0, 4)) == 0:
        info = RUNTIME_ARGS[: draw(st.integers(1, 2))]
        out["runtime_arg_info"] = info
        out["runtime_arg_values"] = [1, 4][: draw(st.sampled_from([len(info), len(info), 0]))]
    out["nodes"] = [draw(node_spec(name, impl, torch)) for name in names]
    out["calls"] = draw(st.lists(call(impl, names), min_size=1, max_size=6))
    return out


def batch(
    min_size: int, max_size: int, torch: str = REFERENCE_TORCH
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """A list of cases for ``torch`` with unique ids ``g0``, ``g1``, … (assigned in order)."""

    def number(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"id": f"g{i}", **c} for i, c in enumerate(cases)]

    return st.lists(case(torch), min_size=min_size, max_size=max_size).map(number)
