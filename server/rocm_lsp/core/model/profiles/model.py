"""What a profile is: one torch era's template kernel and every other version-specific fact.

Core modules ask a :class:`Profile`; none compares profile names (``tests/test_architecture.py``
scans for that). Hook parameter lists are read from the kernel class's hook methods.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rocm_lsp.core.rules.arguments import Param

if TYPE_CHECKING:
    from rocm_lsp.core.model.kernel import TemplateKernel

# Hook parameter name -> (kind, doc). Kinds: nodes | node | names | reorder | size_args | int | any.
PARAMETERS: dict[str, tuple[str, str]] = {
    "inputs": ("nodes", "input nodes, in the template's order (none for absent ones)"),
    "outputs": ("nodes", "output nodes"),
    "size_args": ("size_args", 'C++ size parameters, e.g. ["int32_t M"]'),
    "names_str": ("names", "comma-separated parameter names: inputs, then outputs"),
    "input_reorder": ("reorder", "the order in which inputs become parameters"),
    "node": ("node", "a node, or none"),
    "start_index": ("int", "first dimension (negative counts from the end)"),
    "end_index": ("int", "last dimension, inclusive (default: start_index)"),
    "default_value": ("any", "returned for none or an empty range"),
}


@dataclass(frozen=True)
class HookSpec:
    name: str
    params: tuple[Param, ...]
    doc: str

    def label(self) -> str:
        parts = [p.name if p.required else f"{p.name}=…" for p in self.params]
        return f"{self.name}({', '.join(parts)})"


def hook_spec(kernel_class: type, name: str, doc: str) -> HookSpec:
    """The hook ``name`` of ``kernel_class``: parameters from its signature, ``doc`` for hover."""
    signature = inspect.signature(getattr(kernel_class, name))
    params = []
    for p in list(signature.parameters.values())[1:]:  # after self
        kind, param_doc = PARAMETERS[p.name]
        required = p.default is inspect.Parameter.empty
        params.append(Param(p.name, required, kind, param_doc, "" if required else repr(p.default)))
    return HookSpec(name, tuple(params), doc)


@dataclass(frozen=True)
class ReorderRewrite:
    """``def_kernel`` replaces ``input_reorder == before`` by ``after`` (torch 2.13+: CK's addmm)."""

    before: tuple[int, ...]
    after: tuple[int, ...]


@dataclass(frozen=True)
class Profile:
    """One torch era: its kernel class and hooks, tables, quirks, texts and compile flags."""

    name: str
    torch: str  # the torch versions it stands for, e.g. "2.14.x, 2.15.x"
    description: str
    kernel_class: type[TemplateKernel]
    hook_docs: dict[str, str]  # the hooks a template sees, in completion order, with hover text
    dtypes: frozenset[str]  # dtype names that torch has
    dtype_table: dict[str, str]  # dtype -> the C++ type def_kernel writes
    index_type: str  # the C++ type of size arguments (``const long ks0`` in the seed)
    exports_pt_export: bool  # def_kernel's text starts with PT_EXPORT itself
    runtime_args: bool  # def_kernel appends the header's runtime_args
    scalar_call_args: bool  # the wrapper passes size/runtime args as c_int/values (else c_void_p)
    reorder_rewrite: ReorderRewrite | None
    reorder_length_text: str  # def_kernel's AssertionError text ({inputs}, {reorder}); "" = bare
    dropped_hooks: dict[str, str]  # hooks of older eras that this one lacks -> what to do instead
    amd_compile_flags: tuple[str, ...]  # what Inductor's ROCm compile command passes (hipcc)
    aliases: tuple[str, ...] = ()  # other names that mean this profile
    attributes: frozenset[str] = frozenset({"kernel_name", "args", "named_nodes"})
    hooks: dict[str, HookSpec] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        specs = {name: hook_spec(self.kernel_class, name, doc) for name, doc in self.hook_docs.items()}
        object.__setattr__(self, "hooks", specs)

    def new_kernel(self, kernel_name: str, runtime_args: list[dict] | None = None) -> TemplateKernel:
        kernel = self.kernel_class(kernel_name, runtime_args)  # type: ignore[call-arg]
        kernel.profile = self
        return kernel

    def reorder_length_message(self, inputs: int, reorder: int) -> str:
        """Inductor's AssertionError text when ``len(input_reorder) != len(inputs)``."""
        return self.reorder_length_text.format(inputs=inputs, reorder=reorder)
