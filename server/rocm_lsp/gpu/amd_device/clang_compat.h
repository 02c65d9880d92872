// rocm-lsp's pre-include for device compiles with upstream clang (22) against ROCm 5.2's HIP
// headers (gpu/amd_clang.py passes it with -include). It supplies what clang 15 gave those
// headers and newer clang no longer does; nothing else.
#pragma once

// Clang 19 deprecated and clang 22 removed the predefined wavefront-size macro; ROCm 5.2's
// amd_warp_functions.h still sets warpSize from it. CDNA (gfx9) runs 64 lanes; RDNA (gfx10+)
// runs 32 unless built with -mwavefrontsize64, which rocm-lsp never passes
// (amd_clang.wavefront_size says the same for the device library it links).
#if defined(__HIP_DEVICE_COMPILE__) && !defined(__AMDGCN_WAVEFRONT_SIZE)
#if defined(__GFX10__) || defined(__GFX11__) || defined(__GFX12__)
#define __AMDGCN_WAVEFRONT_SIZE 32
#else
#define __AMDGCN_WAVEFRONT_SIZE 64
#endif
#endif

// Clang's __clang_hip_libdevice_declares.h used to declare these for hip_fp16.h's hrcp/h2rcp
// (clang 22 dropped them); the f16 reciprocal is one instruction, __builtin_amdgcn_rcph.
#if defined(__HIP__) && defined(__HIP_DEVICE_COMPILE__)
typedef _Float16 __rocm_lsp_2f16 __attribute__((ext_vector_type(2)));
extern "C" {
static __attribute__((device, const, always_inline)) inline _Float16 __llvm_amdgcn_rcp_f16(_Float16 x) {
  return (_Float16)__builtin_amdgcn_rcph(x);
}
static __attribute__((device, const, always_inline)) inline __rocm_lsp_2f16
__llvm_amdgcn_rcp_2f16(__rocm_lsp_2f16 x) {
  return __rocm_lsp_2f16{(_Float16)__builtin_amdgcn_rcph(x.x), (_Float16)__builtin_amdgcn_rcph(x.y)};
}
}
#endif
