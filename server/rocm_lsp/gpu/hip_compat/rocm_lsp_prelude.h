// rocm-lsp HIP-on-CUDA compatibility layer: the C++ type names Inductor profiles print in
// kernel signatures, for compiling rendered templates with nvcc. Included by
// <hip/hip_runtime.h> unless ROCM_LSP_NO_PRELUDE is defined.
//
//   seed profile (torch ~2.4/2.5 DTYPE_TO_CPP): half, bfloat16, float8_e4m3fn, float8_e5m2,
//     complex64, plus the <cstdint> integer types
//   torch 2.13 ROCm profile (DTYPE_TO_ROCM_TYPE): uint16_t for float16/bfloat16 and uint8_t for
//     every fp8 type: plain <cstdint> types
//
// These names do not exist in ROCm's headers either: on AMD, Inductor's own prefix code (or the
// template) supplies them. Defining one of them differently in a template conflicts with this
// header; define ROCM_LSP_NO_PRELUDE before including <hip/hip_runtime.h> to opt out.
#ifndef ROCM_LSP_PRELUDE_H
#define ROCM_LSP_PRELUDE_H

#include "hip/rocm_lsp_hip_platform.h"

#ifndef ROCM_LSP_HIP_COMPAT_BLOCKED
#include <cstddef>
#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#if defined(__has_include)
#if __has_include(<cuda_fp8.h>)
#include <cuda_fp8.h>
#define ROCM_LSP_HAVE_FP8 1
#endif
#endif

// `half` is cuda_fp16.h's own typedef of __half.
typedef __nv_bfloat16 bfloat16;
#ifdef ROCM_LSP_HAVE_FP8
typedef __nv_fp8_e4m3 float8_e4m3fn;  // OCP e4m3 ("fn": finite, NaN, no inf), 1 byte
typedef __nv_fp8_e5m2 float8_e5m2;    // OCP e5m2, 1 byte
#endif

// complex64 = torch.complex64: two floats, 8-byte aligned like c10::complex<float>.
struct alignas(8) complex64 {
  float real_;
  float imag_;
  __host__ __device__ constexpr float real() const { return real_; }
  __host__ __device__ constexpr float imag() const { return imag_; }
};
static_assert(sizeof(complex64) == 8 && alignof(complex64) == 8, "complex64 must match torch");

// Inductor compiles with -fvisibility=hidden and marks the exported entry point PT_EXPORT.
#ifndef PT_EXPORT
#define PT_EXPORT __attribute__((__visibility__("default")))
#endif
#endif  // ROCM_LSP_HIP_COMPAT_BLOCKED

#endif  // ROCM_LSP_PRELUDE_H
