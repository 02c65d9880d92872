"""The ``seed`` profile: the older ROCmTemplateKernel with ``size`` and ``check_not_null``."""

from __future__ import annotations

from typing import Any

from rocm_lsp.core.model.dtypes import DTYPE_TO_CPP_SEED, DTYPES_2_13
from rocm_lsp.core.model.ir import IRNode
from rocm_lsp.core.model.kernel import EXTRA_CPP_ARGS, TemplateKernel, hook
from rocm_lsp.core.model.profiles.model import Profile

AMD_COMPILE_FLAGS = (
    "-mllvm", "-amdgpu-early-inline-all=true", "-mllvm", "-amdgpu-function-calls=false",
    "-mllvm", "-enable-post-misched=0",
)  # fmt: skip


class ROCmTemplateKernel(TemplateKernel):
    """Hooks as in the older ``rocm_kernel.py`` (docs/profiles.md); size arguments are ``const long``."""

    def __init__(self, kernel_name: str, runtime_args: list[dict[str, Any]] | None = None) -> None:
        super().__init__(kernel_name)

    @hook
    def def_kernel(
        self,
        inputs: list[IRNode | None],
        outputs: list[IRNode | None],
        names_str: str = "",
        input_reorder: list[int] | None = None,
    ) -> str:
        self._bind_buffers(inputs, outputs, names_str, input_reorder)
        arg_defs = self._arg_defs()
        return f"PT_EXPORT int {self.kernel_name}({', '.join(arg_defs)}, {EXTRA_CPP_ARGS})"

    @hook
    def size(
        self,
        node: IRNode | None,
        start_index: int,
        end_index: int | None = None,
        default_value: Any = 0,
    ) -> str:
        node = self._check_node(node, "node")
        if node is None:
            return str(default_value)
        return self._size_of(node, start_index, end_index, default_value)

    @hook
    def check_not_null(self, node: IRNode | None) -> str:
        node = self._check_node(node, "node")
        if node is None:
            return ""
        return self._check_not_null(node)

    @hook
    def arg_name(self, node: IRNode | None) -> str | None:
        return self._arg_name(node)


PROFILE = Profile(
    name="seed",
    torch="~2.4/2.5",
    description="the older ROCmTemplateKernel, with size() and check_not_null()",
    kernel_class=ROCmTemplateKernel,
    hook_docs={
        "def_kernel": "The exported C++ signature: `PT_EXPORT int NAME(params, size_t* workspace_size, "
        "uint8_t* workspace, hipStream_t stream)`. Size symbols used by earlier `size()` "
        "calls become `const long ks…` parameters.",
        "size": "The product of the node's sizes over [start_index, end_index] as a C++ "
        "expression; size symbols become `ks…` arguments.",
        "check_not_null": "A C++ block that throws if the node's pointer is null while its size is not 0.",
        "arg_name": "The parameter name def_kernel gave a node (None if it has none).",
    },
    dtypes=DTYPES_2_13,
    dtype_table=DTYPE_TO_CPP_SEED,
    index_type="long",
    exports_pt_export=True,
    runtime_args=False,
    scalar_call_args=False,
    reorder_rewrite=None,
    reorder_length_text="",
    dropped_hooks={},
    amd_compile_flags=AMD_COMPILE_FLAGS,
)
