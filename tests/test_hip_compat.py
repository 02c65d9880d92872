"""The HIP-on-CUDA compatibility headers (server/rocm_lsp/gpu/hip_compat): rendered templates
and a source using every mapped API compile with nvcc (no GPU needed), AMD-only code does not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rocm_lsp.core.engine.analysis import analyze

REPO = Path(__file__).resolve().parent.parent
HIP_COMPAT = REPO / "server" / "rocm_lsp" / "gpu" / "hip_compat"
TEMPLATES = sorted(
    p for p in (REPO / "templates").glob("*.hip.jinja") if "ck/" not in p.read_text(encoding="utf-8")
)

NVCC = shutil.which("nvcc") or ("/usr/local/bin/nvcc" if Path("/usr/local/bin/nvcc").exists() else None)
needs_nvcc = pytest.mark.skipif(NVCC is None, reason="nvcc is not installed (CI machines have it)")

HEADERS = [
    "hip/hip_runtime.h",
    "hip/hip_runtime_api.h",
    "hip/hip_fp16.h",
    "hip/hip_bf16.h",
    "hip/hip_bfloat16.h",
    "hip/hip_fp8.h",
    "rocm_lsp_prelude.h",
]


def nvcc_cmd(name: str, *flags: str) -> list[str]:
    """``nvcc FLAGS -arch=sm_90 -x cu -I <hip_compat> NAME``."""
    assert NVCC is not None
    return [NVCC, *flags, "-arch=sm_90", "-x", "cu", "-I", str(HIP_COMPAT), name]


def nvcc(tmp_path: Path, source: str, *flags: str, name: str = "kernel.hip.cpp") -> tuple[int, str]:
    """Compile ``source`` (written to tmp_path/name) against hip_compat; (exit code, output)."""
    (tmp_path / name).write_text(source, encoding="utf-8")
    cmd = nvcc_cmd(name, *flags)
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, done.stdout + done.stderr


def header_warnings(output: str) -> list[str]:
    """Diagnostics that point into (or come from the mappings of) the compatibility headers."""
    lines = output.splitlines()
    return [ln for ln in lines if "hip_compat" in ln or "rocm_lsp_hip" in ln or "deprecated" in ln]


def test_headers_exist_and_document_themselves() -> None:
    for header in HEADERS:
        text = (HIP_COMPAT / header).read_text(encoding="utf-8")
        assert text.lstrip().startswith("// rocm-lsp HIP-on-CUDA compatibility layer"), header
    assert "Limits" in (HIP_COMPAT / "README.md").read_text(encoding="utf-8")


# --- shipped templates ----------------------------------------------------------------------


@needs_nvcc
@pytest.mark.parametrize("static", [False, True], ids=["symbolic", "static"])
@pytest.mark.parametrize("template", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_shipped_template_compiles_to_cubin(template: Path, static: bool, tmp_path: Path) -> None:
    analysis = analyze(template.read_text(encoding="utf-8"), static=static)
    assert analysis.rendered is not None and analysis.rendered.text is not None, analysis.diagnostics
    rc, out = nvcc(tmp_path, analysis.rendered.text, "--cubin", "-o", "k.cubin")
    assert rc == 0, out
    assert (tmp_path / "k.cubin").stat().st_size > 0
    assert header_warnings(out) == [], out


@needs_nvcc
@pytest.mark.parametrize("template", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_shipped_template_host_code_compiles(template: Path, tmp_path: Path) -> None:
    """Host and device passes, so the launch and runtime calls go through the host compiler too."""
    text = analyze(template.read_text(encoding="utf-8")).rendered.text
    assert text is not None
    rc, out = nvcc(tmp_path, text, "-c", "-Xcompiler", "-Wall", "-o", "k.o")
    assert rc == 0, out
    assert header_warnings(out) == [], out


# --- the C++ types each profile prints in kernel signatures ---------------------------------

SEED_TYPES = """{#- rocm-lsp
profile = "seed"
kernel_name = "seed_types"

[nodes]
A = { dtype = "bfloat16", size = [64] }
B = { dtype = "float8_e4m3fn", size = [64] }
C = { dtype = "float8_e5m2", size = [64] }
D = { dtype = "complex64", size = [64] }
E = { dtype = "float16", size = [64] }
F = { dtype = "int64", size = [64] }
-#}
#include <hip/hip_runtime.h>
#include <type_traits>

static_assert(sizeof(half) == 2 && sizeof(bfloat16) == 2, "16-bit floats");
static_assert(sizeof(float8_e4m3fn) == 1 && sizeof(float8_e5m2) == 1, "8-bit floats");
static_assert(sizeof(complex64) == 8 && alignof(complex64) == 8, "complex64 is two floats");
static_assert(std::is_same<hipStream_t, cudaStream_t>::value, "streams pass through");

__global__ void touch(const bfloat16* a, const float8_e4m3fn* b, const float8_e5m2* c,
                      const complex64* d, half* e, int n) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (i < n) {
    e[i] = __float2half(__bfloat162float(a[i]) + static_cast<float>(b[i]) +
                        static_cast<float>(c[i]) + d[i].real() - d[i].imag());
  }
}

extern "C" {
{{kernel.def_kernel(inputs=[A, B, C, D, F], outputs=[E], names_str="A, B, C, D, F, E")}} {
  if (workspace_size) {
    *workspace_size = 0;
    return 0;
  }
  (void)workspace;
  (void)F;
  hipLaunchKernelGGL(touch, 1, 64, 0, stream, A, B, C, D, E, 64);
  return hipGetLastError() == hipSuccess ? 0 : -1;
}
}
"""

ROCM_2_13_TYPES = """{#- rocm-lsp
profile = "rocm-2.13"
kernel_name = "types_2_13"

[nodes]
X = { dtype = "bfloat16", size = [64] }
F = { dtype = "float8_e4m3fn", size = [64] }
Y = { dtype = "float16", size = [64] }
-#}
#include <hip/hip_runtime.h>
#include <hip/hip_bf16.h>
#include <hip/hip_fp16.h>

__global__ void convert(const uint16_t* x, const uint8_t* f, uint16_t* y, int n) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (i < n) {
    const float v = __bfloat162float(__ushort_as_bfloat16(x[i])) + static_cast<float>(f[i]);
    y[i] = __half_as_ushort(__float2half(v));
  }
}

extern "C" {
PT_EXPORT {{kernel.def_kernel(inputs=[X, F], outputs=[Y], size_args=["int32_t M"], names_str="X, F, Y")}} {
  if (workspace_size) {
    *workspace_size = 0;
    return 0;
  }
  (void)workspace;
  hipLaunchKernelGGL(convert, dim3((M + 255) / 256), dim3(256), 0, stream, X, F, Y, M);
  return hipGetLastError() == hipSuccess ? 0 : -1;
}
}
"""


@needs_nvcc
@pytest.mark.parametrize("template", [SEED_TYPES, ROCM_2_13_TYPES], ids=["seed", "rocm-2.13"])
def test_profile_signature_types_compile(template: str, tmp_path: Path) -> None:
    analysis = analyze(template)
    assert analysis.diagnostics == []
    text = analysis.rendered.text
    assert text is not None
    rc, out = nvcc(tmp_path, text, "--cubin", "-o", "k.cubin")  # the front end checks host code too
    assert rc == 0, out
    assert "warning" not in out, out


# --- every mapped API -----------------------------------------------------------------------

EVERY_API = r"""
#include <hip/hip_runtime.h>
#include <hip/hip_runtime_api.h>
#include <hip/hip_fp16.h>
#include <hip/hip_bf16.h>
#include <hip/hip_bfloat16.h>
#include <hip/hip_fp8.h>

#include <cstdint>
#include <cstdio>
#include <type_traits>

#ifndef __HIP_PLATFORM_NVIDIA__
#error "the compatibility layer defines __HIP_PLATFORM_NVIDIA__"
#endif
#if defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
#error "__HIP_DEVICE_COMPILE__ marks the device pass"
#endif

static_assert(std::is_same<hipError_t, cudaError_t>::value, "");
static_assert(std::is_same<hipEvent_t, cudaEvent_t>::value, "");
static_assert(hipMemcpyHostToHost == 0 && hipMemcpyHostToDevice == 1 && hipMemcpyDeviceToHost == 2 &&
              hipMemcpyDeviceToDevice == 3 && hipMemcpyDefault == 4, "HIP's numbering");
static_assert(sizeof(__hip_bfloat16) == 2 && sizeof(hip_bfloat16) == 2 && sizeof(__hip_bfloat162) == 4, "");
static_assert(sizeof(__hip_fp8_e4m3) == 1 && sizeof(__hip_fp8x2_e5m2) == 2, "");

__constant__ float kScale[4];

__device__ float warp_sum(float v) {
  for (int offset = warpSize / 2; offset > 0; offset /= 2) v += __shfl_xor(v, offset);
  return v;
}

template <typename T>
__global__ void __launch_bounds__(256) everything(const half* __restrict__ xh,
                                                  const __hip_bfloat16* __restrict__ xb,
                                                  float* __restrict__ out,
                                                  unsigned long long* __restrict__ masks, T bias, int n) {
  HIP_DYNAMIC_SHARED(float, smem)
  const int tid = static_cast<int>(hipThreadIdx_x);
  const int i = static_cast<int>(hipBlockIdx_x * hipBlockDim_x + threadIdx.x);
  float v = 0.0f;
  if (i < n) {
    const half h = __hfma(xh[i], __float2half(2.0f), __hadd(xh[i], __hmul(xh[i], xh[i])));
    const __half2 h2 = __hfma2(__halves2half2(h, h), __float2half2_rn(0.5f), __floats2half2_rn(1.0f, 2.0f));
    const float2 f2 = __half22float2(__hmul2(__hadd2(h2, h2), h2));
    const __hip_bfloat16 b = __hfma(xb[i], __float2bfloat16(0.5f), __hadd(xb[i], __hmul(xb[i], xb[i])));
    const __hip_bfloat162 b2 = __float22bfloat162_rn(make_float2(1.0f, 2.0f));
    v = __half2float(h) + f2.x + f2.y + __bfloat162float(b) + __low2float(b2) +
        static_cast<float>(bias) * kScale[0];
  }
  // HIP's mask-less shuffles (full warp), several element types.
  v += __shfl(v, 0) + __shfl_up(v, 1u) + __shfl_down(v, 1u, 16);
  const int iv = __shfl_xor(tid, 1);
  const double dv = __shfl(static_cast<double>(v), 2);
  const long long lv = __shfl_down(static_cast<long long>(tid), 1u);
  const half hv = __shfl_xor(__float2half(v), 4);
  const __half2 h2v = __shfl(__floats2half2_rn(v, v), 1);
  const __hip_bfloat16 bv = __shfl_down(__float2bfloat16(v), 2u);
  // HIP 6 forms with a 64-bit mask; CUDA's 32-bit forms stay CUDA's.
  const unsigned long long full = ~0ull;
  const uint64_t full_u64 = UINT64_MAX;
  v += __shfl_sync(full, v, 3) + __shfl_xor_sync(full_u64, v, 8) + __shfl_up_sync(full, v, 1u) +
       __shfl_down_sync(full, v, 1u) + __shfl_sync(0xffffffffu, v, 5);
  const unsigned long long ballot = __ballot(v > 0.0f);
  const unsigned long long ballot_sync = __ballot_sync(full, v > 1.0f);
  static_assert(std::is_same<decltype(__ballot(1)), unsigned long long>::value, "HIP ballot is 64-bit");
  static_assert(std::is_same<decltype(__ballot_sync(full, 1)), unsigned long long>::value, "");
  static_assert(std::is_same<decltype(__ballot_sync(0xffffffffu, 1)), unsigned int>::value, "CUDA's");
  const int votes = __any(v > 2.0f) + __all(v > 3.0f) + __any_sync(full, 1) + __all_sync(full, 1);
  int all_equal = 0;
  const unsigned long long match = __match_any_sync(full, iv) | __match_all_sync(full, iv, &all_equal);
  __syncwarp(full);
  __syncwarp();
  smem[tid] = warp_sum(v) + static_cast<float>(dv + static_cast<double>(lv)) + __half2float(hv) +
              __low2float(h2v) + __bfloat162float(bv) +
              static_cast<float>(votes + all_equal + __popcll(ballot) + __popcll(match));
  __syncthreads();
  if (i < n) {
    out[i] = smem[(tid + 1) % static_cast<int>(blockDim.x)];
    unsafeAtomicAdd(&out[0], 1.0f);
    safeAtomicAdd(&out[1], 1.0f);
    atomicAddNoRet(&out[2], 1.0f);
    atomicAdd(&out[3], 1.0f);
    atomicMax(reinterpret_cast<int*>(masks), iv);
    atomicCAS(reinterpret_cast<unsigned int*>(masks), 0u, 1u);
  }
  if (__lane_id() == 0) masks[blockIdx.x] = ballot | ballot_sync;
}

__global__ void no_args() {}

__global__ void fp8_roundtrip(float* x) {
  const __hip_fp8_storage_t q = __hip_cvt_float_to_fp8(x[threadIdx.x], __HIP_SATFINITE, __HIP_E4M3);
  const __half_raw r = __hip_cvt_fp8_to_halfraw(q, __HIP_E4M3);
  const __hip_fp8x2_storage_t q2 =
      __hip_cvt_float2_to_fp8x2(make_float2(1.0f, 2.0f), __HIP_NOSAT, __HIP_E5M2);
  const __half2_raw r2 = __hip_cvt_fp8x2_to_halfraw2(q2, __HIP_E5M2);
  const __hip_fp8_e5m2 e(x[threadIdx.x]);
  x[threadIdx.x] = __half2float(__half(r)) + __low2float(__half2(r2)) + static_cast<float>(e);
}

#define CHECK(expr)                                                                          \
  do {                                                                                       \
    const hipError_t err_ = (expr);                                                          \
    if (err_ != hipSuccess) {                                                                \
      std::fprintf(stderr, "%s: %s (%s)\n", #expr, hipGetErrorString(err_), hipGetErrorName(err_)); \
      return static_cast<int>(err_);                                                         \
    }                                                                                        \
  } while (0)

extern "C" PT_EXPORT int run_everything(int n) {
  int device = 0, count = 0, version = 0;
  CHECK(hipInit(0));
  CHECK(hipGetDeviceCount(&count));
  CHECK(hipGetDevice(&device));
  CHECK(hipSetDevice(device));
  CHECK(hipRuntimeGetVersion(&version));
  CHECK(hipDriverGetVersion(&version));
  hipDeviceProp_t prop;
  CHECK(hipGetDeviceProperties(&prop, device));
  std::printf("%s %s warp=%d sms=%d smem_optin=%zu clock=%d\n", prop.name, prop.gcnArchName, prop.warpSize,
              prop.multiProcessorCount, prop.sharedMemPerBlockOptin, prop.clockRate);
  int attr = 0;
  CHECK(hipDeviceGetAttribute(&attr, hipDeviceAttributeWarpSize, device));
  CHECK(hipDeviceGetAttribute(&attr, hipDeviceAttributeMultiprocessorCount, device));
  CHECK(hipDeviceGetAttribute(&attr, hipDeviceAttributeSharedMemPerBlockOptin, device));
  size_t free_bytes = 0, total_bytes = 0;
  CHECK(hipMemGetInfo(&free_bytes, &total_bytes));

  hipStream_t stream, other;
  CHECK(hipStreamCreateWithFlags(&stream, hipStreamNonBlocking));
  CHECK(hipStreamCreate(&other));
  hipEvent_t start, stop;
  CHECK(hipEventCreate(&start));
  CHECK(hipEventCreateWithFlags(&stop, hipEventDefault));

  half* xh = nullptr;
  __hip_bfloat16* xb = nullptr;
  float* out = nullptr;
  unsigned long long* masks = nullptr;
  void* raw = nullptr;
  CHECK(hipMalloc(&xh, n * sizeof(half)));
  CHECK(hipMalloc(&xb, n * sizeof(__hip_bfloat16)));
  CHECK(hipMalloc(&out, n * sizeof(float)));
  CHECK(hipMalloc(&masks, 1024 * sizeof(unsigned long long)));
  CHECK(hipMalloc(&raw, 16));
  CHECK(hipMemset(xh, 0, n * sizeof(half)));
  CHECK(hipMemsetAsync(xb, 0, n * sizeof(__hip_bfloat16), stream));
  const float scale[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  CHECK(hipMemcpyToSymbol(HIP_SYMBOL(kScale), scale, sizeof(scale)));
  float* host = nullptr;
  CHECK(hipHostMalloc(&host, n * sizeof(float)));

  hipFuncAttributes fattr;
  CHECK(hipFuncGetAttributes(&fattr, everything<float>));
  CHECK(hipFuncGetAttributes(&fattr, reinterpret_cast<const void*>(no_args)));
  std::printf("regs=%d maxThreads=%d shared=%zu\n", fattr.numRegs, fattr.maxThreadsPerBlock,
              fattr.sharedSizeBytes);
  const size_t shmem = 256 * sizeof(float);
  CHECK(hipFuncSetAttribute(everything<float>, hipFuncAttributeMaxDynamicSharedMemorySize,
                            static_cast<int>(shmem)));
  int blocks_per_sm = 0;
  CHECK(hipOccupancyMaxActiveBlocksPerMultiprocessor(&blocks_per_sm, everything<float>, 256, shmem));
  CHECK(hipOccupancyMaxActiveBlocksPerMultiprocessor(&blocks_per_sm, reinterpret_cast<const void*>(no_args),
                                                     64, 0));
  int min_grid = 0, block_size = 0;
  CHECK(hipOccupancyMaxPotentialBlockSize(&min_grid, &block_size, everything<float>, shmem, 256));

  CHECK(hipEventRecord(start, stream));
  const dim3 grid((n + 255) / 256), block(256);
  hipLaunchKernelGGL((everything<float>), grid, block, shmem, stream, xh, xb, out, masks, 1.5f, n);
  hipLaunchKernelGGL(everything<int>, (n + 255) / 256, 256, shmem, 0, xh, xb, out, masks, 2, n);
  hipLaunchKernelGGL(HIP_KERNEL_NAME(everything<double>), dim3(1, 1, 1), dim3(256), shmem, nullptr,
                     xh, xb, out, masks, 0.5, n);
  hipLaunchKernelGGL(no_args, dim3(1), dim3(1), 0, stream);
  hipLaunchKernelGGL(fp8_roundtrip, 1, 32, 0, stream, out);
  CHECK(hipGetLastError());
  CHECK(hipPeekAtLastError());
  void* args[1] = {nullptr};
  CHECK(hipLaunchKernel(no_args, dim3(1), dim3(1), args, 0, stream));
  CHECK(hipEventRecord(stop, stream));
  CHECK(hipStreamWaitEvent(other, stop, 0));
  CHECK(hipEventSynchronize(stop));
  CHECK(hipEventQuery(stop));
  float ms = 0.0f;
  CHECK(hipEventElapsedTime(&ms, start, stop));
  CHECK(hipMemcpyAsync(host, out, n * sizeof(float), hipMemcpyDeviceToHost, stream));
  CHECK(hipStreamSynchronize(stream));
  CHECK(hipStreamQuery(stream));
  CHECK(hipMemcpy(host, out, sizeof(float), hipMemcpyDeviceToHost));
  CHECK(hipMemcpy(out, host, sizeof(float), hipMemcpyHostToDevice));
  CHECK(hipMemcpy(raw, out, 16, hipMemcpyDefault));
  CHECK(hipMemcpy2D(raw, 8, out, 8, 8, 2, hipMemcpyDeviceToDevice));
  CHECK(hipDeviceSynchronize());
  std::printf("%.3f ms, out[0]=%f\n", static_cast<double>(ms), static_cast<double>(host[0]));

  CHECK(hipHostFree(host));
  CHECK(hipFree(raw));
  CHECK(hipFree(masks));
  CHECK(hipFree(out));
  CHECK(hipFree(xb));
  CHECK(hipFree(xh));
  CHECK(hipEventDestroy(stop));
  CHECK(hipEventDestroy(start));
  CHECK(hipStreamDestroy(other));
  CHECK(hipStreamDestroy(stream));
  return hipGetLastError() == hipSuccess ? 0 : -1;
}
"""


@needs_nvcc
def test_every_mapped_api_compiles_host_and_device(tmp_path: Path) -> None:
    rc, out = nvcc(tmp_path, EVERY_API, "-c", "-Xcompiler", "-Wall,-Wextra", "-o", "api.o", name="api.cu")
    assert rc == 0, out
    assert "warning" not in out.lower(), out
    assert (tmp_path / "api.o").stat().st_size > 0


@needs_nvcc
def test_each_header_stands_alone(tmp_path: Path) -> None:
    """Each header compiles as the only (and a repeated) include; device-only, in parallel."""
    jobs = []
    for i, header in enumerate(HEADERS):
        name = f"alone{i}.cu"
        (tmp_path / name).write_text(f"#include <{header}>\n#include <{header}>\n", encoding="utf-8")
        cmd = nvcc_cmd(name, "--cubin", "-o", f"alone{i}.cubin")
        job = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        jobs.append((header, job))
    for header, job in jobs:
        out, _ = job.communicate(timeout=300)
        assert job.returncode == 0, f"{header}:\n{out}"
        assert "warning" not in out.lower(), f"{header}:\n{out}"


# --- what must not compile ------------------------------------------------------------------


@needs_nvcc
def test_amdgcn_builtins_are_not_provided(tmp_path: Path) -> None:
    """AMD compiler builtins have no NVIDIA meaning: the layer leaves them undefined."""
    source = (
        "#include <hip/hip_runtime.h>\n"
        "__global__ void k(int* x) { x[0] = __builtin_amdgcn_readfirstlane(x[threadIdx.x]); }\n"
    )
    rc, out = nvcc(tmp_path, source, "--cubin", "-o", "k.cubin")
    assert rc != 0
    assert "__builtin_amdgcn_readfirstlane" in out and "undefined" in out, out


@needs_nvcc
@pytest.mark.parametrize("macro", ["__HIP_PLATFORM_AMD__", "__HIPCC__"])
def test_headers_refuse_an_amd_compile(macro: str, tmp_path: Path) -> None:
    """On AMD the real ROCm headers must be used; reaching these is a build mistake."""
    source = "#include <hip/hip_runtime.h>\n__global__ void k() {}\n"
    rc, out = nvcc(tmp_path, source, f"-D{macro}", "--cubin", "-o", "k.cubin")
    assert rc != 0
    assert "rocm-lsp hip_compat" in out and "for nvcc on NVIDIA only" in out, out
    # The #error alone, not a cascade of errors from the rest of the headers.
    assert [ln for ln in out.splitlines() if "error" in ln and "rocm-lsp hip_compat" not in ln] == [], out
