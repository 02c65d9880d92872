"""Profiles: which Inductor version's hook semantics a template is rendered with."""

from __future__ import annotations

from dataclasses import dataclass

from rocm_lsp.core.kernel import TemplateKernel
from rocm_lsp.core.profiles import rocm_2_13, seed

DEFAULT_PROFILE = "seed"


@dataclass(frozen=True)
class Param:
    name: str
    required: bool
    kind: str  # "nodes" | "node" | "names" | "reorder" | "size_args" | "int" | "any"
    doc: str


@dataclass(frozen=True)
class HookSpec:
    name: str
    params: tuple[Param, ...]
    doc: str

    def label(self) -> str:
        parts = [p.name if p.required else f"{p.name}=…" for p in self.params]
        return f"{self.name}({', '.join(parts)})"


@dataclass(frozen=True)
class Profile:
    name: str
    kernel_class: type[TemplateKernel]
    hooks: dict[str, HookSpec]
    description: str
    exports_pt_export: bool  # def_kernel's text starts with PT_EXPORT itself
    attributes: frozenset[str] = frozenset({"kernel_name", "args", "named_nodes"})

    def new_kernel(self, kernel_name: str, runtime_args: list[dict] | None = None) -> TemplateKernel:
        return self.kernel_class(kernel_name, runtime_args)  # type: ignore[call-arg]


_INPUTS = Param("inputs", True, "nodes", "input nodes, in the template's order (none for absent ones)")
_OUTPUTS = Param("outputs", True, "nodes", "output nodes")
_NAMES = Param("names_str", False, "names", "comma-separated parameter names: inputs, then outputs")
_REORDER = Param("input_reorder", False, "reorder", "the order in which inputs become parameters")
_NODE = Param("node", True, "node", "a node, or none")

_ARG_NAME = HookSpec("arg_name", (_NODE,), "The parameter name def_kernel gave a node (None if it has none).")

SEED = Profile(
    "seed",
    seed.ROCmTemplateKernel,
    {
        "def_kernel": HookSpec(
            "def_kernel",
            (_INPUTS, _OUTPUTS, _NAMES, _REORDER),
            "The exported C++ signature: `PT_EXPORT int NAME(params, size_t* workspace_size, "
            "uint8_t* workspace, hipStream_t stream)`. Size symbols used by earlier `size()` "
            "calls become `const long ks…` parameters.",
        ),
        "size": HookSpec(
            "size",
            (
                _NODE,
                Param("start_index", True, "int", "first dimension (negative counts from the end)"),
                Param("end_index", False, "int", "last dimension, inclusive (default: start_index)"),
                Param("default_value", False, "any", "returned for none or an empty range"),
            ),
            "The product of the node's sizes over [start_index, end_index] as a C++ "
            "expression; size symbols become `ks…` arguments.",
        ),
        "check_not_null": HookSpec(
            "check_not_null",
            (_NODE,),
            "A C++ block that throws if the node's pointer is null while its size is not 0.",
        ),
        "arg_name": _ARG_NAME,
    },
    "the older ROCmTemplateKernel (reference/seed_rocm_kernel.py.txt)",
    exports_pt_export=True,
)

ROCM_2_13 = Profile(
    "rocm-2.13",
    rocm_2_13.ROCmTemplateKernel,
    {
        "def_kernel": HookSpec(
            "def_kernel",
            (
                _INPUTS,
                _OUTPUTS,
                Param("size_args", True, "size_args", 'C++ size parameters, e.g. ["int32_t M"]'),
                _NAMES,
                _REORDER,
            ),
            "The kernel signature `int NAME(params, size_args, runtime args,size_t* "
            "workspace_size, uint8_t* workspace, hipStream_t stream)` (write `PT_EXPORT` "
            "before it). `input_reorder == [2, 0, 1]` is rewritten to `[4, 0, 1, 2, 3]`.",
        ),
        "get_signature": HookSpec("get_signature", (), "The signature the last def_kernel() call produced."),
        "arg_name": _ARG_NAME,
    },
    "torch 2.13's ROCmTemplateKernel",
    exports_pt_export=False,
    attributes=frozenset(
        {"kernel_name", "args", "named_nodes", "runtime_arg_info", "runtime_arg_values", "signature"}
    ),
)

PROFILES: dict[str, Profile] = {p.name: p for p in (SEED, ROCM_2_13)}


def profiles_with_hook(name: str) -> list[str]:
    """Names of the profiles that have a hook called ``name``."""
    return [p.name for p in PROFILES.values() if name in p.hooks]
