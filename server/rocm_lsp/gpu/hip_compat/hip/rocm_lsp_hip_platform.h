// rocm-lsp HIP-on-CUDA compatibility layer: platform guard shared by every header.
//
// These headers exist only so that HIP source rendered from an Inductor ROCm template can be
// compiled by nvcc on an NVIDIA GPU. On AMD the real ROCm headers must be used: the build adds
// this include directory only on NVIDIA, and every header here refuses to be used by hipcc.
#ifndef ROCM_LSP_HIP_PLATFORM_H
#define ROCM_LSP_HIP_PLATFORM_H

#if defined(__HIP_PLATFORM_AMD__) || defined(__HIP_PLATFORM_HCC__) || defined(__HIPCC__) || \
    defined(__HIP__)
#error "rocm-lsp hip_compat: these HIP-on-CUDA headers are for nvcc on NVIDIA only, but this is a HIP/AMD compile (__HIP_PLATFORM_AMD__, __HIPCC__ or __HIP__ is defined). Use ROCm's own <hip/hip_runtime.h>: remove rocm_lsp/gpu/hip_compat from the include path."
#define ROCM_LSP_HIP_COMPAT_BLOCKED 1
#elif !defined(__cplusplus)
#error "rocm-lsp hip_compat: the HIP-on-CUDA headers need C++ (compile with nvcc -x cu)."
#define ROCM_LSP_HIP_COMPAT_BLOCKED 1
#else

// Marks this translation unit as compiled through the compatibility layer.
#define ROCM_LSP_HIP_COMPAT 1

// The platform macro real HIP defines when it targets NVIDIA (and its pre-5.0 spelling).
#ifndef __HIP_PLATFORM_NVIDIA__
#define __HIP_PLATFORM_NVIDIA__ 1
#endif
#ifndef __HIP_PLATFORM_NVCC__
#define __HIP_PLATFORM_NVCC__ 1
#endif

// HIP's "this is the device pass" macro, derived from CUDA's.
#if defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
#define __HIP_DEVICE_COMPILE__ 1
#endif

#endif  // platform checks
#endif  // ROCM_LSP_HIP_PLATFORM_H
