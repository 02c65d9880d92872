"""torch dtype names and the C++ type tables of each Inductor era."""

from __future__ import annotations

# Every dtype name the header accepts (torch attribute names).
DTYPES: tuple[str, ...] = (
    "float16", "bfloat16", "float32", "float64",
    "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64", "bool",
    "complex32", "complex64", "complex128",
    "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
    "float8_e8m0fnu", "bcomplex32",
)  # fmt: skip

# The dtypes each torch has (the header's RL104 says when a profile's torch lacks one).
DTYPES_2_13: frozenset[str] = frozenset(DTYPES) - {"bcomplex32"}
DTYPES_2_15: frozenset[str] = frozenset(DTYPES)  # torch 2.14 added bcomplex32

# Aliases torch also accepts as attribute names.
DTYPE_ALIASES: dict[str, str] = {
    "half": "float16", "float": "float32", "double": "float64",
    "short": "int16", "int": "int32", "long": "int64",
    "cfloat": "complex64", "cdouble": "complex128", "chalf": "complex32",
}  # fmt: skip

ITEMSIZE: dict[str, int] = {
    "float16": 2, "bfloat16": 2, "float32": 4, "float64": 8,
    "int8": 1, "int16": 2, "int32": 4, "int64": 8,
    "uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8, "bool": 1,
    "complex32": 4, "complex64": 8, "complex128": 16,
    "float8_e4m3fn": 1, "float8_e5m2": 1, "float8_e4m3fnuz": 1, "float8_e5m2fnuz": 1,
    "float8_e8m0fnu": 1, "bcomplex32": 4,
}  # fmt: skip

# torch 2.13 torch/_inductor/codegen/cpp_utils.py DTYPE_TO_CPP.
DTYPE_TO_CPP_2_13: dict[str, str] = {
    "float32": "float", "float64": "double", "float16": "at::Half",
    "int64": "int64_t", "int32": "int32_t", "int16": "int16_t", "int8": "int8_t",
    "uint64": "uint64_t", "uint32": "uint32_t", "uint16": "uint16_t", "uint8": "uint8_t",
    "bool": "bool", "bfloat16": "at::BFloat16",
    "complex32": "at::complex<at::Half>", "complex64": "at::complex<float>",
    "complex128": "at::complex<double>",
    "float8_e4m3fn": "at::Float8_e4m3fn", "float8_e5m2": "at::Float8_e5m2",
    "float8_e4m3fnuz": "at::Float8_e4m3fnuz", "float8_e5m2fnuz": "at::Float8_e5m2fnuz",
}  # fmt: skip

# torch 2.13 torch/_inductor/codegen/rocm/rocm_utils.py DTYPE_TO_ROCM_TYPE.
_ROCM_OVERRIDES: dict[str, str] = {
    "float16": "uint16_t",
    "float8_e4m3fnuz": "uint8_t",
    "float8_e5m2fnuz": "uint8_t",
    "float8_e4m3fn": "uint8_t",
    "float8_e5m2": "uint8_t",
    "bfloat16": "uint16_t",
}
DTYPE_TO_ROCM_TYPE_2_13: dict[str, str] = {**DTYPE_TO_CPP_2_13, **_ROCM_OVERRIDES}

# torch 2.14/2.15 cpp_utils.DTYPE_TO_CPP: 2.13's and two more.
DTYPE_TO_CPP_2_15: dict[str, str] = {
    **DTYPE_TO_CPP_2_13,
    "bcomplex32": "at::complex<at::BFloat16>",
    "float8_e8m0fnu": "at::Float8_e8m0fnu",
}

# torch 2.14/2.15 rocm_utils.DTYPE_TO_ROCM_TYPE: the same overrides on the larger table.
DTYPE_TO_ROCM_TYPE_2_15: dict[str, str] = {**DTYPE_TO_CPP_2_15, **_ROCM_OVERRIDES}

# The seed era's cpp_utils.DTYPE_TO_CPP (torch ~2.4/2.5): "half"/"bfloat16", no fnuz types.
DTYPE_TO_CPP_SEED: dict[str, str] = {
    "float32": "float", "float64": "double", "float16": "half",
    "int64": "int64_t", "int32": "int32_t", "int16": "int16_t", "int8": "int8_t",
    "uint64": "uint64_t", "uint32": "uint32_t", "uint16": "uint16_t", "uint8": "uint8_t",
    "bool": "bool", "bfloat16": "bfloat16", "complex64": "complex64",
    "float8_e4m3fn": "float8_e4m3fn", "float8_e5m2": "float8_e5m2",
}  # fmt: skip


def canonical_dtype(name: str) -> str | None:
    """The canonical dtype name for a header value (``torch.`` prefix and aliases allowed)."""
    name = name.removeprefix("torch.")
    if name in DTYPES:
        return name
    return DTYPE_ALIASES.get(name)
