// rocm-lsp HIP-on-CUDA compatibility layer: ROCm's older bfloat16 header (hip_bfloat16).
#ifndef ROCM_LSP_HIP_BFLOAT16_H
#define ROCM_LSP_HIP_BFLOAT16_H
#include "hip_bf16.h"
#endif  // ROCM_LSP_HIP_BFLOAT16_H
