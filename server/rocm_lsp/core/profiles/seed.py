"""The ``seed`` profile: the older ROCmTemplateKernel with ``size`` and ``check_not_null``."""

from __future__ import annotations

from typing import Any

from rocm_lsp.core.dtypes import DTYPE_TO_CPP_SEED
from rocm_lsp.core.ir import IRNode
from rocm_lsp.core.kernel import EXTRA_CPP_ARGS, TemplateKernel, hook


class ROCmTemplateKernel(TemplateKernel):
    """Hooks as in ``reference/seed_rocm_kernel.py.txt``; size arguments are ``const long``."""

    profile = "seed"
    dtype_table = DTYPE_TO_CPP_SEED
    index_type = "long"

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
        self._bind_buffers(inputs, outputs, names_str, input_reorder, rewrite_201=False)
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
