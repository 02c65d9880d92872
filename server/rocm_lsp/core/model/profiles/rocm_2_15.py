"""The ``rocm-2.15`` profile (alias ``rocm-2.14``): torch 2.14.x and 2.15.x.

The hooks are torch 2.13's; what changed is data: two dtypes (``float8_e8m0fnu``, ``bcomplex32``),
the reorder-length AssertionError's text, and the ROCm compile flags (no ``-amdgpu-early-inline-all``
/ ``-amdgpu-function-calls``). Recorded against real torch 2.15.0 (tests/exactness/).
"""

from __future__ import annotations

from rocm_lsp.core.model.dtypes import DTYPE_TO_ROCM_TYPE_2_15, DTYPES_2_15
from rocm_lsp.core.model.profiles import rocm_2_13
from rocm_lsp.core.model.profiles.model import Profile, ReorderRewrite

PROFILE = Profile(
    name="rocm-2.15",
    torch="2.14/2.15",
    description="torch 2.14's and 2.15's ROCmTemplateKernel",
    kernel_class=rocm_2_13.ROCmTemplateKernel,
    hook_docs=rocm_2_13.HOOK_DOCS,
    dtypes=DTYPES_2_15,
    dtype_table=DTYPE_TO_ROCM_TYPE_2_15,
    index_type="int64_t",
    exports_pt_export=False,
    runtime_args=True,
    scalar_call_args=True,
    reorder_rewrite=ReorderRewrite((2, 0, 1), (4, 0, 1, 2, 3)),
    reorder_length_text="expected len(inputs) == len(input_reorder), got {inputs} and {reorder}",
    dropped_hooks=rocm_2_13.PROFILE.dropped_hooks,
    amd_compile_flags=("-mllvm", "-enable-post-misched=0"),
    aliases=("rocm-2.14",),
    attributes=rocm_2_13.ATTRIBUTES,
)
