// rocm-lsp HIP-on-CUDA compatibility layer: fp8 (OCP formats only).
//
// HIP has two fp8 families: the OCP formats (__hip_fp8_e4m3, __hip_fp8_e5m2: gfx950/gfx12, and
// NVIDIA's __nv_fp8_e4m3 / __nv_fp8_e5m2) and AMD's FNUZ formats (__hip_fp8_e4m3_fnuz,
// __hip_fp8_e5m2_fnuz: MI300/gfx942, different bias, no negative zero, no infinities). Only the
// OCP family exists on NVIDIA; the FNUZ types and the __HIP_E4M3_FNUZ / __HIP_E5M2_FNUZ
// interpretations are deliberately not defined, so code that needs them fails to compile here.
#ifndef ROCM_LSP_HIP_FP8_H
#define ROCM_LSP_HIP_FP8_H

#include "rocm_lsp_hip_platform.h"

#ifndef ROCM_LSP_HIP_COMPAT_BLOCKED
#include "hip_bf16.h"
#include "hip_fp16.h"

#include <cuda_fp8.h>

// HIP's feature macros: OCP fp8 is available, FNUZ is not.
#ifndef HIP_FP8_TYPE_OCP
#define HIP_FP8_TYPE_OCP 1
#endif
#ifndef HIP_FP8_TYPE_FNUZ
#define HIP_FP8_TYPE_FNUZ 0
#endif

typedef __nv_fp8_storage_t __hip_fp8_storage_t;
typedef __nv_fp8x2_storage_t __hip_fp8x2_storage_t;
typedef __nv_fp8x4_storage_t __hip_fp8x4_storage_t;

typedef __nv_fp8_e4m3 __hip_fp8_e4m3;
typedef __nv_fp8x2_e4m3 __hip_fp8x2_e4m3;
typedef __nv_fp8x4_e4m3 __hip_fp8x4_e4m3;
typedef __nv_fp8_e5m2 __hip_fp8_e5m2;
typedef __nv_fp8x2_e5m2 __hip_fp8x2_e5m2;
typedef __nv_fp8x4_e5m2 __hip_fp8x4_e5m2;

// HIP's enum spellings (HIP's numeric values), mapped to CUDA's at each call.
enum __hip_saturation_t { __HIP_NOSAT = 0, __HIP_SATFINITE = 1 };
enum __hip_fp8_interpretation_t { __HIP_E4M3 = 2, __HIP_E5M2 = 3 };

namespace rocm_lsp_hip {
__host__ __device__ inline __nv_saturation_t to_cuda(__hip_saturation_t sat) {
  return sat == __HIP_SATFINITE ? __NV_SATFINITE : __NV_NOSAT;
}
__host__ __device__ inline __nv_fp8_interpretation_t to_cuda(__hip_fp8_interpretation_t kind) {
  return kind == __HIP_E5M2 ? __NV_E5M2 : __NV_E4M3;
}
}  // namespace rocm_lsp_hip

__host__ __device__ inline __hip_fp8_storage_t __hip_cvt_float_to_fp8(
    const float x, const __hip_saturation_t sat, const __hip_fp8_interpretation_t kind) {
  return __nv_cvt_float_to_fp8(x, rocm_lsp_hip::to_cuda(sat), rocm_lsp_hip::to_cuda(kind));
}
__host__ __device__ inline __hip_fp8x2_storage_t __hip_cvt_float2_to_fp8x2(
    const float2 x, const __hip_saturation_t sat, const __hip_fp8_interpretation_t kind) {
  return __nv_cvt_float2_to_fp8x2(x, rocm_lsp_hip::to_cuda(sat), rocm_lsp_hip::to_cuda(kind));
}
__host__ __device__ inline __half_raw __hip_cvt_fp8_to_halfraw(
    const __hip_fp8_storage_t x, const __hip_fp8_interpretation_t kind) {
  return __nv_cvt_fp8_to_halfraw(x, rocm_lsp_hip::to_cuda(kind));
}
__host__ __device__ inline __half2_raw __hip_cvt_fp8x2_to_halfraw2(
    const __hip_fp8x2_storage_t x, const __hip_fp8_interpretation_t kind) {
  return __nv_cvt_fp8x2_to_halfraw2(x, rocm_lsp_hip::to_cuda(kind));
}
#endif  // ROCM_LSP_HIP_COMPAT_BLOCKED

#endif  // ROCM_LSP_HIP_FP8_H
