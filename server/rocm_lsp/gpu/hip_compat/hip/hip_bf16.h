// rocm-lsp HIP-on-CUDA compatibility layer: bfloat16.
//
// HIP 6's <hip/hip_bf16.h> mirrors CUDA's cuda_bf16.h with __hip_ names for the types and the
// same names for the intrinsics (__float2bfloat16, __bfloat162float, __hadd, __hmul, __hfma,
// __float22bfloat162_rn, __bfloat1622float2, __low2bfloat16, __bfloat16_as_ushort, ...), so
// the types are aliases of CUDA's and the intrinsics are CUDA's own.
#ifndef ROCM_LSP_HIP_BF16_H
#define ROCM_LSP_HIP_BF16_H

#include "rocm_lsp_hip_platform.h"

#ifndef ROCM_LSP_HIP_COMPAT_BLOCKED
#include <cuda_bf16.h>

typedef __nv_bfloat16 __hip_bfloat16;
typedef __nv_bfloat162 __hip_bfloat162;
typedef __nv_bfloat16_raw __hip_bfloat16_raw;
typedef __nv_bfloat162_raw __hip_bfloat162_raw;

// ROCm's older <hip/hip_bfloat16.h> struct. Alias of CUDA's type: constructs from and converts
// to float like the AMD struct, but has no `.data` member (read bits with __bfloat16_as_ushort)
// and none of the AMD struct's static helpers (round_to_bfloat16, ...).
typedef __nv_bfloat16 hip_bfloat16;
#endif

#endif  // ROCM_LSP_HIP_BF16_H
