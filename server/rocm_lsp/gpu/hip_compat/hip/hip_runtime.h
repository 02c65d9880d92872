// rocm-lsp HIP-on-CUDA compatibility layer: <hip/hip_runtime.h> for nvcc.
//
// Lets HIP source (rendered Inductor ROCm templates) compile with nvcc on NVIDIA GPUs:
//   nvcc -arch=sm_90 -x cu -I <rocm_lsp/gpu/hip_compat> kernel.hip.cpp
// Written for rocm-lsp; see ../README.md for what is mapped and what cannot be portable.
// On AMD (hipcc, __HIP_PLATFORM_AMD__) this header refuses to compile: use ROCm's.
//
// Already identical in CUDA and therefore not redefined: dim3, threadIdx/blockIdx/blockDim/
// gridDim, warpSize (a device-side value: 32 here, 64 on most AMD GPUs), __global__,
// __device__, __host__, __shared__, __constant__, __forceinline__, __noinline__,
// __restrict__, __syncthreads(_count/_and/_or), __threadfence(_block/_system), __syncwarp,
// __launch_bounds__, atomicAdd/Sub/Exch/Min/Max/Inc/Dec/CAS/And/Or/Xor (+ _system/_block),
// __ldg, __popc(ll), __clz(ll), __ffs(ll), __brev, __mul24, __umulhi, clock64, math functions.
#ifndef ROCM_LSP_HIP_RUNTIME_H
#define ROCM_LSP_HIP_RUNTIME_H

#include "rocm_lsp_hip_platform.h"

#if !defined(ROCM_LSP_HIP_COMPAT_BLOCKED) && !defined(__CUDACC__)
#error "rocm-lsp hip_compat: <hip/hip_runtime.h> must be compiled as CUDA by nvcc (nvcc -x cu ...); for host-only code include <hip/hip_runtime_api.h>."
#define ROCM_LSP_HIP_COMPAT_BLOCKED 1
#endif

#ifndef ROCM_LSP_HIP_COMPAT_BLOCKED

#include <cuda_runtime.h>

#include <type_traits>

#include "hip_bf16.h"
#include "hip_fp16.h"
#include "hip_runtime_api.h"
#if defined(__has_include)
#if __has_include(<cuda_fp8.h>)
#include "hip_fp8.h"
#endif
#endif
#ifndef ROCM_LSP_NO_PRELUDE
#include "../rocm_lsp_prelude.h"
#endif

// ---------------------------------------------------------------------------------------------
// Kernel launch
// ---------------------------------------------------------------------------------------------
// hipLaunchKernelGGL(kernel, grid, block, dynamic_shared_bytes, stream, args...): grid and block
// are dim3 or integers. Wrap a template kernel in parentheses, as on AMD:
//   hipLaunchKernelGGL((my_kernel<float, 4>), dim3(n), dim3(256), 0, stream, x, y);
// It launches with <<<>>>, so errors surface through hipGetLastError() as on AMD.
#define hipLaunchKernelGGL(kernel_name, num_blocks, num_threads, shared_bytes, stream, ...)  \
  do {                                                                                      \
    (kernel_name)<<<(num_blocks), (num_threads), (shared_bytes), (stream)>>>(__VA_ARGS__);  \
  } while (0)
#define HIP_KERNEL_NAME(...) __VA_ARGS__

// Dynamic shared memory. AMD defines `extern __shared__ type var[]`; nvcc rejects two such
// declarations of one name with different types in one file, so every use aliases a byte array
// (16-byte aligned) and `var` is a `type*` rather than an array.
#define HIP_DYNAMIC_SHARED(type, var)                                                \
  extern __shared__ __align__(16) unsigned char rocm_lsp_dynamic_shared_##var[];      \
  type* var = reinterpret_cast<type*>(rocm_lsp_dynamic_shared_##var);
#define HIP_DYNAMIC_SHARED_ATTRIBUTE

// HIP's old index spellings.
#define hipThreadIdx_x (threadIdx.x)
#define hipThreadIdx_y (threadIdx.y)
#define hipThreadIdx_z (threadIdx.z)
#define hipBlockIdx_x (blockIdx.x)
#define hipBlockIdx_y (blockIdx.y)
#define hipBlockIdx_z (blockIdx.z)
#define hipBlockDim_x (blockDim.x)
#define hipBlockDim_y (blockDim.y)
#define hipBlockDim_z (blockDim.z)
#define hipGridDim_x (gridDim.x)
#define hipGridDim_y (gridDim.y)
#define hipGridDim_z (gridDim.z)

// ---------------------------------------------------------------------------------------------
// Warp (wavefront) primitives
// ---------------------------------------------------------------------------------------------
namespace rocm_lsp_hip {

// HIP's default `width` is warpSize: 32 lanes on NVIDIA.
constexpr int kWarpSize = 32;
constexpr unsigned int kFullMask = 0xffffffffu;

template <typename M>
struct is_mask64
    : std::integral_constant<bool, std::is_integral<M>::value && sizeof(M) == 8> {};

// A HIP 64-bit lane mask on a 32-lane warp: lanes 32..63 do not exist and are dropped.
__device__ __forceinline__ unsigned int lanes32(unsigned long long mask) {
  return static_cast<unsigned int>(mask & 0xffffffffull);
}

// HIP's mask-less shuffles: every lane of the warp takes part (full mask). Calling them from
// divergent code is undefined on NVIDIA (sm_70+ independent thread scheduling), as it reads
// inactive lanes on AMD.
template <typename T>
__device__ __forceinline__ T shfl(T var, int src_lane, int width = kWarpSize) {
  return __shfl_sync(kFullMask, var, src_lane, width);
}
template <typename T>
__device__ __forceinline__ T shfl_up(T var, unsigned int delta, int width = kWarpSize) {
  return __shfl_up_sync(kFullMask, var, delta, width);
}
template <typename T>
__device__ __forceinline__ T shfl_down(T var, unsigned int delta, int width = kWarpSize) {
  return __shfl_down_sync(kFullMask, var, delta, width);
}
template <typename T>
__device__ __forceinline__ T shfl_xor(T var, int lane_mask, int width = kWarpSize) {
  return __shfl_xor_sync(kFullMask, var, lane_mask, width);
}

// HIP's __ballot returns a 64-bit lane mask (one bit per lane of a 64-wide wavefront). On
// NVIDIA bits 32..63 are always zero: __popcll works, but never assume 64 lanes.
__device__ __forceinline__ unsigned long long ballot(int predicate) {
  return static_cast<unsigned long long>(__ballot_sync(kFullMask, predicate));
}
__device__ __forceinline__ int any(int predicate) { return __any_sync(kFullMask, predicate); }
__device__ __forceinline__ int all(int predicate) { return __all_sync(kFullMask, predicate); }

}  // namespace rocm_lsp_hip

// CUDA still declares deprecated mask-less __shfl/__ballot/__any/__all (invalid on sm_70+), so
// HIP's spellings are macros over the functions above. ROCM_LSP_HIP_NO_WARP_MACROS turns them
// off (needed only if libcu++/CUB/Thrust headers are included after this one: libcu++ has a
// class named __any).
#ifndef ROCM_LSP_HIP_NO_WARP_MACROS
#define __shfl(...) ::rocm_lsp_hip::shfl(__VA_ARGS__)
#define __shfl_up(...) ::rocm_lsp_hip::shfl_up(__VA_ARGS__)
#define __shfl_down(...) ::rocm_lsp_hip::shfl_down(__VA_ARGS__)
#define __shfl_xor(...) ::rocm_lsp_hip::shfl_xor(__VA_ARGS__)
#define __ballot(...) ::rocm_lsp_hip::ballot(__VA_ARGS__)
#define __any(...) ::rocm_lsp_hip::any(__VA_ARGS__)
#define __all(...) ::rocm_lsp_hip::all(__VA_ARGS__)
#endif

// HIP 6 *_sync forms take a 64-bit mask (HIP static_asserts that). These overloads accept any
// 64-bit integer mask and keep its low 32 bits; 32-bit masks go straight to CUDA's functions.
#define ROCM_LSP_HIP_MASK64 \
  typename MaskT, typename std::enable_if<::rocm_lsp_hip::is_mask64<MaskT>::value, int>::type = 0

template <typename T, ROCM_LSP_HIP_MASK64>
__device__ __forceinline__ T __shfl_sync(MaskT mask, T var, int src_lane,
                                         int width = ::rocm_lsp_hip::kWarpSize) {
  return __shfl_sync(::rocm_lsp_hip::lanes32(mask), var, src_lane, width);
}
template <typename T, ROCM_LSP_HIP_MASK64>
__device__ __forceinline__ T __shfl_up_sync(MaskT mask, T var, unsigned int delta,
                                            int width = ::rocm_lsp_hip::kWarpSize) {
  return __shfl_up_sync(::rocm_lsp_hip::lanes32(mask), var, delta, width);
}
template <typename T, ROCM_LSP_HIP_MASK64>
__device__ __forceinline__ T __shfl_down_sync(MaskT mask, T var, unsigned int delta,
                                              int width = ::rocm_lsp_hip::kWarpSize) {
  return __shfl_down_sync(::rocm_lsp_hip::lanes32(mask), var, delta, width);
}
template <typename T, ROCM_LSP_HIP_MASK64>
__device__ __forceinline__ T __shfl_xor_sync(MaskT mask, T var, int lane_mask,
                                             int width = ::rocm_lsp_hip::kWarpSize) {
  return __shfl_xor_sync(::rocm_lsp_hip::lanes32(mask), var, lane_mask, width);
}
template <ROCM_LSP_HIP_MASK64>
__device__ __forceinline__ unsigned long long __ballot_sync(MaskT mask, int predicate) {
  return static_cast<unsigned long long>(__ballot_sync(::rocm_lsp_hip::lanes32(mask), predicate));
}
template <ROCM_LSP_HIP_MASK64>
__device__ __forceinline__ int __any_sync(MaskT mask, int predicate) {
  return __any_sync(::rocm_lsp_hip::lanes32(mask), predicate);
}
template <ROCM_LSP_HIP_MASK64>
__device__ __forceinline__ int __all_sync(MaskT mask, int predicate) {
  return __all_sync(::rocm_lsp_hip::lanes32(mask), predicate);
}
template <typename T, ROCM_LSP_HIP_MASK64>
__device__ __forceinline__ unsigned long long __match_any_sync(MaskT mask, T value) {
  return static_cast<unsigned long long>(__match_any_sync(::rocm_lsp_hip::lanes32(mask), value));
}
template <typename T, ROCM_LSP_HIP_MASK64>
__device__ __forceinline__ unsigned long long __match_all_sync(MaskT mask, T value, int* pred) {
  return static_cast<unsigned long long>(
      __match_all_sync(::rocm_lsp_hip::lanes32(mask), value, pred));
}
template <ROCM_LSP_HIP_MASK64>
__device__ __forceinline__ void __syncwarp(MaskT mask) {
  __syncwarp(::rocm_lsp_hip::lanes32(mask));
}
#undef ROCM_LSP_HIP_MASK64

// HIP's lane index within the wavefront (0..warpSize-1).
__device__ __forceinline__ unsigned int __lane_id() {
  unsigned int lane;
  asm volatile("mov.u32 %0, %%laneid;" : "=r"(lane));
  return lane;
}

// ---------------------------------------------------------------------------------------------
// Atomics with HIP-only names (the common ones, atomicAdd & co., are CUDA's own)
// ---------------------------------------------------------------------------------------------
// AMD's unsafe/safe variants choose between hardware FP atomics and CAS loops on MI-series
// memory; NVIDIA has one atomicAdd, so both are atomicAdd.
template <typename T>
__device__ __forceinline__ T unsafeAtomicAdd(T* address, T value) {
  return atomicAdd(address, value);
}
template <typename T>
__device__ __forceinline__ T safeAtomicAdd(T* address, T value) {
  return atomicAdd(address, value);
}
__device__ __forceinline__ void atomicAddNoRet(float* address, float value) {
  (void)atomicAdd(address, value);
}

// Not provided, on purpose: __builtin_amdgcn_* and __hip_atomic_* (AMD compiler builtins),
// __AMDGCN_WAVEFRONT_SIZE and the __gfx*__ target macros. Code using them fails to compile.

#endif  // ROCM_LSP_HIP_COMPAT_BLOCKED
#endif  // ROCM_LSP_HIP_RUNTIME_H
