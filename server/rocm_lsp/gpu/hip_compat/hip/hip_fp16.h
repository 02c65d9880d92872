// rocm-lsp HIP-on-CUDA compatibility layer: fp16.
//
// HIP's fp16 API copies CUDA's names, so CUDA's header provides everything HIP kernels use:
// __half / half, __half2 / half2, __half_raw, __float2half(_rn), __half2float, __hadd, __hsub,
// __hmul, __hdiv, __hfma, __hneg, __habs, __hmax/__hmin, __heq/__hlt/..., the half2 forms
// (__hadd2, __hmul2, __hfma2, __floats2half2_rn, __float2half2_rn, __half22float2,
// __halves2half2, __low2half, __high2half, __low2float, __high2float), h* math functions and
// the bit casts (__half_as_ushort, __ushort_as_half). Arithmetic operators on __half work on the
// device; on sm < 53 half arithmetic is emulated or missing (we target sm_90).
#ifndef ROCM_LSP_HIP_FP16_H
#define ROCM_LSP_HIP_FP16_H

#include "rocm_lsp_hip_platform.h"

#ifndef ROCM_LSP_HIP_COMPAT_BLOCKED
#include <cuda_fp16.h>
#endif

#endif  // ROCM_LSP_HIP_FP16_H
