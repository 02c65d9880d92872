"""The ``rocm-2.13`` profile: torch 2.13's ROCmTemplateKernel (size_args, runtime args)."""

from __future__ import annotations

from typing import Any

from rocm_lsp.core.model.dtypes import DTYPE_TO_ROCM_TYPE_2_13, DTYPES_2_13
from rocm_lsp.core.model.ir import IRNode
from rocm_lsp.core.model.kernel import EXTRA_CPP_ARGS, HookError, TemplateKernel, hook
from rocm_lsp.core.model.profiles import seed
from rocm_lsp.core.model.profiles.model import Profile, ReorderRewrite
from rocm_lsp.core.rules import values


class Kernel(TemplateKernel):
    """torch 2.13's ``Kernel`` base: ``arg_name`` is inherited from it (error messages say so)."""

    @hook
    def arg_name(self, node: IRNode | None) -> str | None:
        return self._arg_name(node)


class ROCmTemplateKernel(Kernel):
    """Hooks as in torch 2.13 ``torch/_inductor/codegen/rocm/rocm_kernel.py`` (unchanged in 2.14, 2.15)."""

    def __init__(self, kernel_name: str, runtime_args: list[dict[str, Any]] | None = None) -> None:
        super().__init__(kernel_name)
        runtime_args = runtime_args or []
        self.runtime_arg_info = [(str(a["name"]), str(a["ty"])) for a in runtime_args]
        self.runtime_arg_values = [a.get("value") for a in runtime_args]

    @hook
    def def_kernel(
        self,
        inputs: list[IRNode | None],
        outputs: list[IRNode | None],
        size_args: list[str],
        names_str: str = "",
        input_reorder: list[int] | None = None,
    ) -> str:
        self._bind_buffers(inputs, outputs, names_str, input_reorder)
        arg_defs = self._arg_defs()
        if not isinstance(size_args, list):
            kind = type(size_args).__name__
            finding = values.not_a_list("size_args", kind)
            raise HookError.of(finding, "TypeError", f'can only concatenate list (not "{kind}") to list')
        runtime_arg_defs = [f"{ty} {name}" for name, ty in self.runtime_arg_info]
        params = arg_defs + size_args + runtime_arg_defs
        for i, p in enumerate(params):
            if not isinstance(p, str):
                kind = type(p).__name__
                finding = values.wrong_entry("size_args", i - len(arg_defs), kind)
                raise HookError.of(
                    finding, "TypeError", f"sequence item {i}: expected str instance, {kind} found"
                )
        signature = f"int {self.kernel_name}({', '.join(params)},{EXTRA_CPP_ARGS})"
        self.signature = signature
        return signature

    @hook
    def get_signature(self) -> str:
        signature = getattr(self, "signature", None)
        if signature is None:
            raise HookError(
                "RL217",
                "get_signature() is called before def_kernel(): there is no signature yet",
                "AttributeError",
                "'ROCmTemplateKernel' object has no attribute 'signature'",
            )
        return signature


HOOK_DOCS = {
    "def_kernel": "The kernel signature `int NAME(params, size_args, runtime args,size_t* "
    "workspace_size, uint8_t* workspace, hipStream_t stream)` (write `PT_EXPORT` "
    "before it). `input_reorder == [2, 0, 1]` is rewritten to `[4, 0, 1, 2, 3]`.",
    "get_signature": "The signature the last def_kernel() call produced.",
    "arg_name": "The parameter name def_kernel gave a node (None if it has none).",
}
ATTRIBUTES = frozenset(
    {"kernel_name", "args", "named_nodes", "runtime_arg_info", "runtime_arg_values", "signature"}
)
DROPPED_SIZE_HOOKS = (
    "torch 2.13 dropped it: pass sizes through def_kernel(size_args=[…]) and compute them in the kernel"
)

PROFILE = Profile(
    name="rocm-2.13",
    torch="2.13",
    description="torch 2.13's ROCmTemplateKernel",
    kernel_class=ROCmTemplateKernel,
    hook_docs=HOOK_DOCS,
    dtypes=DTYPES_2_13,
    dtype_table=DTYPE_TO_ROCM_TYPE_2_13,
    index_type="int64_t",
    exports_pt_export=False,
    runtime_args=True,
    scalar_call_args=True,
    reorder_rewrite=ReorderRewrite((2, 0, 1), (4, 0, 1, 2, 3)),
    reorder_length_text="",  # a bare `assert len(inputs) == len(input_reorder)`
    dropped_hooks={"size": DROPPED_SIZE_HOOKS, "check_not_null": DROPPED_SIZE_HOOKS},
    amd_compile_flags=seed.AMD_COMPILE_FLAGS,
    attributes=ATTRIBUTES,
)
