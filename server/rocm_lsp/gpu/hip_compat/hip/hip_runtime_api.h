// rocm-lsp HIP-on-CUDA compatibility layer: the host runtime API.
//
// Each hip* name below forwards to the CUDA runtime call of the same meaning. Types are CUDA's
// own (hipStream_t is cudaStream_t, hipError_t is cudaError_t, ...), so HIP and CUDA values mix
// freely. Numeric values (error codes, attribute ids) are CUDA's, not AMD's: compare them only
// against the named constants. Host-only: none of these functions may be called from a kernel.
#ifndef ROCM_LSP_HIP_RUNTIME_API_H
#define ROCM_LSP_HIP_RUNTIME_API_H

#include "rocm_lsp_hip_platform.h"

#ifndef ROCM_LSP_HIP_COMPAT_BLOCKED

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdio>
#include <cstring>

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------
typedef cudaError_t hipError_t;

static constexpr hipError_t hipSuccess = cudaSuccess;
static constexpr hipError_t hipErrorInvalidValue = cudaErrorInvalidValue;
static constexpr hipError_t hipErrorOutOfMemory = cudaErrorMemoryAllocation;
static constexpr hipError_t hipErrorMemoryAllocation = cudaErrorMemoryAllocation;
static constexpr hipError_t hipErrorNotInitialized = cudaErrorInitializationError;
static constexpr hipError_t hipErrorInitializationError = cudaErrorInitializationError;
static constexpr hipError_t hipErrorDeinitialized = cudaErrorCudartUnloading;
static constexpr hipError_t hipErrorInvalidConfiguration = cudaErrorInvalidConfiguration;
static constexpr hipError_t hipErrorInvalidPitchValue = cudaErrorInvalidPitchValue;
static constexpr hipError_t hipErrorInvalidSymbol = cudaErrorInvalidSymbol;
static constexpr hipError_t hipErrorInvalidDevicePointer = cudaErrorInvalidDevicePointer;
static constexpr hipError_t hipErrorInvalidMemcpyDirection = cudaErrorInvalidMemcpyDirection;
static constexpr hipError_t hipErrorInsufficientDriver = cudaErrorInsufficientDriver;
static constexpr hipError_t hipErrorMissingConfiguration = cudaErrorMissingConfiguration;
static constexpr hipError_t hipErrorInvalidDeviceFunction = cudaErrorInvalidDeviceFunction;
static constexpr hipError_t hipErrorNoDevice = cudaErrorNoDevice;
static constexpr hipError_t hipErrorInvalidDevice = cudaErrorInvalidDevice;
static constexpr hipError_t hipErrorInvalidImage = cudaErrorInvalidKernelImage;
static constexpr hipError_t hipErrorNoBinaryForGpu = cudaErrorNoKernelImageForDevice;
static constexpr hipError_t hipErrorInvalidResourceHandle = cudaErrorInvalidResourceHandle;
static constexpr hipError_t hipErrorInvalidHandle = cudaErrorInvalidResourceHandle;
static constexpr hipError_t hipErrorNotFound = cudaErrorSymbolNotFound;
static constexpr hipError_t hipErrorNotReady = cudaErrorNotReady;
static constexpr hipError_t hipErrorIllegalAddress = cudaErrorIllegalAddress;
static constexpr hipError_t hipErrorLaunchOutOfResources = cudaErrorLaunchOutOfResources;
static constexpr hipError_t hipErrorLaunchTimeOut = cudaErrorLaunchTimeout;
static constexpr hipError_t hipErrorLaunchFailure = cudaErrorLaunchFailure;
static constexpr hipError_t hipErrorCooperativeLaunchTooLarge = cudaErrorCooperativeLaunchTooLarge;
static constexpr hipError_t hipErrorPeerAccessAlreadyEnabled = cudaErrorPeerAccessAlreadyEnabled;
static constexpr hipError_t hipErrorPeerAccessNotEnabled = cudaErrorPeerAccessNotEnabled;
static constexpr hipError_t hipErrorAssert = cudaErrorAssert;
static constexpr hipError_t hipErrorNotSupported = cudaErrorNotSupported;
static constexpr hipError_t hipErrorUnknown = cudaErrorUnknown;

inline hipError_t hipGetLastError() { return cudaGetLastError(); }
inline hipError_t hipPeekAtLastError() { return cudaPeekAtLastError(); }
inline const char* hipGetErrorString(hipError_t error) { return cudaGetErrorString(error); }
inline const char* hipGetErrorName(hipError_t error) { return cudaGetErrorName(error); }

// ---------------------------------------------------------------------------------------------
// Initialisation, devices, versions
// ---------------------------------------------------------------------------------------------
// hipInit is a driver-level call in HIP; the CUDA runtime initialises lazily, so force it here.
inline hipError_t hipInit(unsigned int flags) {
  return flags == 0 ? cudaFree(nullptr) : hipErrorInvalidValue;
}
inline hipError_t hipGetDeviceCount(int* count) { return cudaGetDeviceCount(count); }
inline hipError_t hipGetDevice(int* device) { return cudaGetDevice(device); }
inline hipError_t hipSetDevice(int device) { return cudaSetDevice(device); }
inline hipError_t hipDeviceSynchronize() { return cudaDeviceSynchronize(); }
inline hipError_t hipDeviceReset() { return cudaDeviceReset(); }
inline hipError_t hipMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  return cudaMemGetInfo(free_bytes, total_bytes);
}
// CUDA's version numbers (e.g. 13000), not HIP's.
inline hipError_t hipRuntimeGetVersion(int* version) { return cudaRuntimeGetVersion(version); }
inline hipError_t hipDriverGetVersion(int* version) { return cudaDriverGetVersion(version); }
inline hipError_t hipDeviceCanAccessPeer(int* can_access, int device, int peer_device) {
  return cudaDeviceCanAccessPeer(can_access, device, peer_device);
}
inline hipError_t hipDeviceEnablePeerAccess(int peer_device, unsigned int flags) {
  return cudaDeviceEnablePeerAccess(peer_device, flags);
}

// Device attributes: HIP names, CUDA ids.
typedef cudaDeviceAttr hipDeviceAttribute_t;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxThreadsPerBlock = cudaDevAttrMaxThreadsPerBlock;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxBlockDimX = cudaDevAttrMaxBlockDimX;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxBlockDimY = cudaDevAttrMaxBlockDimY;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxBlockDimZ = cudaDevAttrMaxBlockDimZ;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxGridDimX = cudaDevAttrMaxGridDimX;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxGridDimY = cudaDevAttrMaxGridDimY;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxGridDimZ = cudaDevAttrMaxGridDimZ;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxSharedMemoryPerBlock =
    cudaDevAttrMaxSharedMemoryPerBlock;
static constexpr hipDeviceAttribute_t hipDeviceAttributeSharedMemPerBlockOptin =
    cudaDevAttrMaxSharedMemoryPerBlockOptin;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxSharedMemoryPerMultiprocessor =
    cudaDevAttrMaxSharedMemoryPerMultiprocessor;
static constexpr hipDeviceAttribute_t hipDeviceAttributeTotalConstantMemory = cudaDevAttrTotalConstantMemory;
static constexpr hipDeviceAttribute_t hipDeviceAttributeWarpSize = cudaDevAttrWarpSize;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxRegistersPerBlock = cudaDevAttrMaxRegistersPerBlock;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxRegistersPerMultiprocessor =
    cudaDevAttrMaxRegistersPerMultiprocessor;
static constexpr hipDeviceAttribute_t hipDeviceAttributeClockRate = cudaDevAttrClockRate;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMemoryClockRate = cudaDevAttrMemoryClockRate;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMemoryBusWidth = cudaDevAttrGlobalMemoryBusWidth;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMultiprocessorCount = cudaDevAttrMultiProcessorCount;
static constexpr hipDeviceAttribute_t hipDeviceAttributeComputeCapabilityMajor =
    cudaDevAttrComputeCapabilityMajor;
static constexpr hipDeviceAttribute_t hipDeviceAttributeComputeCapabilityMinor =
    cudaDevAttrComputeCapabilityMinor;
static constexpr hipDeviceAttribute_t hipDeviceAttributeL2CacheSize = cudaDevAttrL2CacheSize;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxThreadsPerMultiProcessor =
    cudaDevAttrMaxThreadsPerMultiProcessor;
static constexpr hipDeviceAttribute_t hipDeviceAttributeMaxBlocksPerMultiprocessor =
    cudaDevAttrMaxBlocksPerMultiprocessor;
static constexpr hipDeviceAttribute_t hipDeviceAttributeComputeMode = cudaDevAttrComputeMode;
static constexpr hipDeviceAttribute_t hipDeviceAttributeConcurrentKernels = cudaDevAttrConcurrentKernels;
static constexpr hipDeviceAttribute_t hipDeviceAttributeCooperativeLaunch = cudaDevAttrCooperativeLaunch;
static constexpr hipDeviceAttribute_t hipDeviceAttributeEccEnabled = cudaDevAttrEccEnabled;
static constexpr hipDeviceAttribute_t hipDeviceAttributeIntegrated = cudaDevAttrIntegrated;
static constexpr hipDeviceAttribute_t hipDeviceAttributeManagedMemory = cudaDevAttrManagedMemory;
static constexpr hipDeviceAttribute_t hipDeviceAttributePciBusId = cudaDevAttrPciBusId;
static constexpr hipDeviceAttribute_t hipDeviceAttributePciDeviceId = cudaDevAttrPciDeviceId;

inline hipError_t hipDeviceGetAttribute(int* value, hipDeviceAttribute_t attr, int device) {
  return cudaDeviceGetAttribute(value, attr, device);
}

// HIP's device-properties struct, filled from cudaDeviceProp plus attributes that CUDA 13
// dropped from that struct. Fields are a subset of HIP 6's; AMD-only fields are zero.
struct hipDeviceProp_t {
  char name[256];
  size_t totalGlobalMem;
  size_t sharedMemPerBlock;
  int regsPerBlock;
  int warpSize;  // 32 on NVIDIA (64 on most AMD GPUs): never hard-code either
  size_t memPitch;
  int maxThreadsPerBlock;
  int maxThreadsDim[3];
  int maxGridSize[3];
  int clockRate;        // kHz
  int memoryClockRate;  // kHz
  int memoryBusWidth;   // bits
  size_t totalConstMem;
  int major;
  int minor;
  int multiProcessorCount;
  int l2CacheSize;
  int persistingL2CacheMaxSize;
  int maxThreadsPerMultiProcessor;
  int maxBlocksPerMultiProcessor;
  int computeMode;
  int integrated;
  int canMapHostMemory;
  int concurrentKernels;
  int ECCEnabled;
  int pciBusID;
  int pciDeviceID;
  int pciDomainID;
  int managedMemory;
  int cooperativeLaunch;
  int unifiedAddressing;
  int asyncEngineCount;
  size_t textureAlignment;
  size_t sharedMemPerMultiprocessor;
  size_t maxSharedMemoryPerMultiProcessor;  // HIP's name for the same value
  int regsPerMultiprocessor;
  size_t sharedMemPerBlockOptin;  // opt-in maximum (needs hipFuncSetAttribute above 48 KiB)
  int gcnArch;                    // 0: no GCN architecture number on NVIDIA
  char gcnArchName[256];          // "sm_90" style: no "gfx..." name exists on NVIDIA
  int isLargeBar;
  int clockInstructionRate;  // kHz (= clockRate)
};

inline hipError_t hipGetDeviceProperties(hipDeviceProp_t* prop, int device) {
  if (prop == nullptr) return hipErrorInvalidValue;
  cudaDeviceProp p;
  std::memset(&p, 0, sizeof(p));
  const hipError_t err = cudaGetDeviceProperties(&p, device);
  if (err != cudaSuccess) return err;
  std::memset(prop, 0, sizeof(*prop));
  static_assert(sizeof(prop->name) == sizeof(p.name), "device name buffers differ");
  std::memcpy(prop->name, p.name, sizeof(prop->name));
  prop->name[sizeof(prop->name) - 1] = '\0';
  prop->totalGlobalMem = p.totalGlobalMem;
  prop->sharedMemPerBlock = p.sharedMemPerBlock;
  prop->regsPerBlock = p.regsPerBlock;
  prop->warpSize = p.warpSize;
  prop->memPitch = p.memPitch;
  prop->maxThreadsPerBlock = p.maxThreadsPerBlock;
  for (int i = 0; i < 3; ++i) {
    prop->maxThreadsDim[i] = p.maxThreadsDim[i];
    prop->maxGridSize[i] = p.maxGridSize[i];
  }
  prop->memoryBusWidth = p.memoryBusWidth;
  prop->totalConstMem = p.totalConstMem;
  prop->major = p.major;
  prop->minor = p.minor;
  prop->multiProcessorCount = p.multiProcessorCount;
  prop->l2CacheSize = p.l2CacheSize;
  prop->persistingL2CacheMaxSize = p.persistingL2CacheMaxSize;
  prop->maxThreadsPerMultiProcessor = p.maxThreadsPerMultiProcessor;
  prop->maxBlocksPerMultiProcessor = p.maxBlocksPerMultiProcessor;
  prop->integrated = p.integrated;
  prop->canMapHostMemory = p.canMapHostMemory;
  prop->concurrentKernels = p.concurrentKernels;
  prop->ECCEnabled = p.ECCEnabled;
  prop->pciBusID = p.pciBusID;
  prop->pciDeviceID = p.pciDeviceID;
  prop->pciDomainID = p.pciDomainID;
  prop->managedMemory = p.managedMemory;
  prop->cooperativeLaunch = p.cooperativeLaunch;
  prop->unifiedAddressing = p.unifiedAddressing;
  prop->asyncEngineCount = p.asyncEngineCount;
  prop->textureAlignment = p.textureAlignment;
  prop->sharedMemPerMultiprocessor = p.sharedMemPerMultiprocessor;
  prop->maxSharedMemoryPerMultiProcessor = p.sharedMemPerMultiprocessor;
  prop->regsPerMultiprocessor = p.regsPerMultiprocessor;
  prop->sharedMemPerBlockOptin = p.sharedMemPerBlockOptin;
  // Dropped from cudaDeviceProp in CUDA 13: ask for them as attributes (left 0 on failure).
  int value = 0;
  if (cudaDeviceGetAttribute(&value, cudaDevAttrClockRate, device) == cudaSuccess) {
    prop->clockRate = value;
    prop->clockInstructionRate = value;
  }
  if (cudaDeviceGetAttribute(&value, cudaDevAttrMemoryClockRate, device) == cudaSuccess) {
    prop->memoryClockRate = value;
  }
  if (cudaDeviceGetAttribute(&value, cudaDevAttrComputeMode, device) == cudaSuccess) {
    prop->computeMode = value;
  }
  std::snprintf(prop->gcnArchName, sizeof(prop->gcnArchName), "sm_%d%d", p.major, p.minor);
  return hipSuccess;
}

// ---------------------------------------------------------------------------------------------
// Streams and events
// ---------------------------------------------------------------------------------------------
typedef cudaStream_t hipStream_t;
typedef cudaEvent_t hipEvent_t;

static constexpr unsigned int hipStreamDefault = cudaStreamDefault;
static constexpr unsigned int hipStreamNonBlocking = cudaStreamNonBlocking;
#define hipStreamPerThread cudaStreamPerThread
#define hipStreamLegacy cudaStreamLegacy

static constexpr unsigned int hipEventDefault = cudaEventDefault;
static constexpr unsigned int hipEventBlockingSync = cudaEventBlockingSync;
static constexpr unsigned int hipEventDisableTiming = cudaEventDisableTiming;
static constexpr unsigned int hipEventInterprocess = cudaEventInterprocess;

inline hipError_t hipStreamCreate(hipStream_t* stream) { return cudaStreamCreate(stream); }
inline hipError_t hipStreamCreateWithFlags(hipStream_t* stream, unsigned int flags) {
  return cudaStreamCreateWithFlags(stream, flags);
}
inline hipError_t hipStreamCreateWithPriority(hipStream_t* stream, unsigned int flags, int priority) {
  return cudaStreamCreateWithPriority(stream, flags, priority);
}
inline hipError_t hipDeviceGetStreamPriorityRange(int* least, int* greatest) {
  return cudaDeviceGetStreamPriorityRange(least, greatest);
}
inline hipError_t hipStreamDestroy(hipStream_t stream) { return cudaStreamDestroy(stream); }
inline hipError_t hipStreamSynchronize(hipStream_t stream) { return cudaStreamSynchronize(stream); }
inline hipError_t hipStreamQuery(hipStream_t stream) { return cudaStreamQuery(stream); }
inline hipError_t hipStreamWaitEvent(hipStream_t stream, hipEvent_t event, unsigned int flags = 0) {
  return cudaStreamWaitEvent(stream, event, flags);
}

inline hipError_t hipEventCreate(hipEvent_t* event) { return cudaEventCreate(event); }
inline hipError_t hipEventCreateWithFlags(hipEvent_t* event, unsigned int flags) {
  return cudaEventCreateWithFlags(event, flags);
}
inline hipError_t hipEventRecord(hipEvent_t event, hipStream_t stream = nullptr) {
  return cudaEventRecord(event, stream);
}
inline hipError_t hipEventSynchronize(hipEvent_t event) { return cudaEventSynchronize(event); }
inline hipError_t hipEventQuery(hipEvent_t event) { return cudaEventQuery(event); }
inline hipError_t hipEventElapsedTime(float* ms, hipEvent_t start, hipEvent_t stop) {
  return cudaEventElapsedTime(ms, start, stop);
}
inline hipError_t hipEventDestroy(hipEvent_t event) { return cudaEventDestroy(event); }

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------
typedef cudaMemcpyKind hipMemcpyKind;  // same values as HIP: 0..4
static constexpr hipMemcpyKind hipMemcpyHostToHost = cudaMemcpyHostToHost;
static constexpr hipMemcpyKind hipMemcpyHostToDevice = cudaMemcpyHostToDevice;
static constexpr hipMemcpyKind hipMemcpyDeviceToHost = cudaMemcpyDeviceToHost;
static constexpr hipMemcpyKind hipMemcpyDeviceToDevice = cudaMemcpyDeviceToDevice;
static constexpr hipMemcpyKind hipMemcpyDefault = cudaMemcpyDefault;

static constexpr unsigned int hipHostMallocDefault = cudaHostAllocDefault;
static constexpr unsigned int hipHostMallocPortable = cudaHostAllocPortable;
static constexpr unsigned int hipHostMallocMapped = cudaHostAllocMapped;
static constexpr unsigned int hipHostMallocWriteCombined = cudaHostAllocWriteCombined;
static constexpr unsigned int hipMemAttachGlobal = cudaMemAttachGlobal;
static constexpr unsigned int hipMemAttachHost = cudaMemAttachHost;

inline hipError_t hipMalloc(void** ptr, size_t size) { return cudaMalloc(ptr, size); }
template <class T>
inline hipError_t hipMalloc(T** ptr, size_t size) {
  return cudaMalloc(reinterpret_cast<void**>(ptr), size);
}
inline hipError_t hipFree(void* ptr) { return cudaFree(ptr); }

inline hipError_t hipMallocManaged(void** ptr, size_t size, unsigned int flags = hipMemAttachGlobal) {
  return cudaMallocManaged(ptr, size, flags);
}
template <class T>
inline hipError_t hipMallocManaged(T** ptr, size_t size, unsigned int flags = hipMemAttachGlobal) {
  return cudaMallocManaged(reinterpret_cast<void**>(ptr), size, flags);
}

inline hipError_t hipHostMalloc(void** ptr, size_t size, unsigned int flags = hipHostMallocDefault) {
  return cudaHostAlloc(ptr, size, flags);
}
template <class T>
inline hipError_t hipHostMalloc(T** ptr, size_t size, unsigned int flags = hipHostMallocDefault) {
  return cudaHostAlloc(reinterpret_cast<void**>(ptr), size, flags);
}
inline hipError_t hipHostAlloc(void** ptr, size_t size, unsigned int flags = hipHostMallocDefault) {
  return cudaHostAlloc(ptr, size, flags);
}
inline hipError_t hipHostFree(void* ptr) { return cudaFreeHost(ptr); }

inline hipError_t hipMemcpy(void* dst, const void* src, size_t size, hipMemcpyKind kind) {
  return cudaMemcpy(dst, src, size, kind);
}
inline hipError_t hipMemcpyAsync(void* dst, const void* src, size_t size, hipMemcpyKind kind,
                                 hipStream_t stream = nullptr) {
  return cudaMemcpyAsync(dst, src, size, kind, stream);
}
inline hipError_t hipMemcpy2D(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width,
                              size_t height, hipMemcpyKind kind) {
  return cudaMemcpy2D(dst, dpitch, src, spitch, width, height, kind);
}
inline hipError_t hipMemcpy2DAsync(void* dst, size_t dpitch, const void* src, size_t spitch,
                                   size_t width, size_t height, hipMemcpyKind kind,
                                   hipStream_t stream = nullptr) {
  return cudaMemcpy2DAsync(dst, dpitch, src, spitch, width, height, kind, stream);
}
inline hipError_t hipMemset(void* dst, int value, size_t size) { return cudaMemset(dst, value, size); }
inline hipError_t hipMemsetAsync(void* dst, int value, size_t size, hipStream_t stream = nullptr) {
  return cudaMemsetAsync(dst, value, size, stream);
}

// Symbols: HIP code passes HIP_SYMBOL(var), i.e. the variable's address.
#define HIP_SYMBOL(X) (&(X))
inline hipError_t hipMemcpyToSymbol(const void* symbol, const void* src, size_t size,
                                    size_t offset = 0, hipMemcpyKind kind = hipMemcpyHostToDevice) {
  return cudaMemcpyToSymbol(symbol, src, size, offset, kind);
}
inline hipError_t hipMemcpyFromSymbol(void* dst, const void* symbol, size_t size, size_t offset = 0,
                                      hipMemcpyKind kind = hipMemcpyDeviceToHost) {
  return cudaMemcpyFromSymbol(dst, symbol, size, offset, kind);
}

// ---------------------------------------------------------------------------------------------
// Kernel attributes, occupancy, launches by pointer
// ---------------------------------------------------------------------------------------------
typedef cudaFuncAttributes hipFuncAttributes;  // same field names as HIP's struct
typedef cudaFuncAttribute hipFuncAttribute;
static constexpr hipFuncAttribute hipFuncAttributeMaxDynamicSharedMemorySize =
    cudaFuncAttributeMaxDynamicSharedMemorySize;
static constexpr hipFuncAttribute hipFuncAttributePreferredSharedMemoryCarveout =
    cudaFuncAttributePreferredSharedMemoryCarveout;

inline hipError_t hipFuncGetAttributes(hipFuncAttributes* attr, const void* func) {
  return cudaFuncGetAttributes(attr, func);
}
template <class T>
inline hipError_t hipFuncGetAttributes(hipFuncAttributes* attr, T* func) {
  return cudaFuncGetAttributes(attr, reinterpret_cast<const void*>(func));
}
inline hipError_t hipFuncSetAttribute(const void* func, hipFuncAttribute attr, int value) {
  return cudaFuncSetAttribute(func, attr, value);
}
template <class T>
inline hipError_t hipFuncSetAttribute(T* func, hipFuncAttribute attr, int value) {
  return cudaFuncSetAttribute(reinterpret_cast<const void*>(func), attr, value);
}

inline hipError_t hipOccupancyMaxActiveBlocksPerMultiprocessor(int* num_blocks, const void* func,
                                                                int block_size,
                                                                size_t dynamic_shared_bytes) {
  return cudaOccupancyMaxActiveBlocksPerMultiprocessor(num_blocks, func, block_size,
                                                       dynamic_shared_bytes);
}
template <class T>
inline hipError_t hipOccupancyMaxActiveBlocksPerMultiprocessor(int* num_blocks, T* func,
                                                                int block_size,
                                                                size_t dynamic_shared_bytes) {
  return cudaOccupancyMaxActiveBlocksPerMultiprocessor(
      num_blocks, reinterpret_cast<const void*>(func), block_size, dynamic_shared_bytes);
}
template <class T>
inline hipError_t hipOccupancyMaxPotentialBlockSize(int* grid_size, int* block_size, T func,
                                                     size_t dynamic_shared_bytes = 0,
                                                     int block_size_limit = 0) {
  return cudaOccupancyMaxPotentialBlockSize(grid_size, block_size, func, dynamic_shared_bytes,
                                            block_size_limit);
}

inline hipError_t hipLaunchKernel(const void* func, dim3 grid, dim3 block, void** args,
                                  size_t shared_bytes = 0, hipStream_t stream = nullptr) {
  return cudaLaunchKernel(func, grid, block, args, shared_bytes, stream);
}
template <class T>
inline hipError_t hipLaunchKernel(T* func, dim3 grid, dim3 block, void** args,
                                  size_t shared_bytes = 0, hipStream_t stream = nullptr) {
  return cudaLaunchKernel(reinterpret_cast<const void*>(func), grid, block, args, shared_bytes,
                          stream);
}
inline hipError_t hipLaunchCooperativeKernel(const void* func, dim3 grid, dim3 block, void** args,
                                             unsigned int shared_bytes, hipStream_t stream) {
  return cudaLaunchCooperativeKernel(func, grid, block, args, shared_bytes, stream);
}
template <class T>
inline hipError_t hipLaunchCooperativeKernel(T* func, dim3 grid, dim3 block, void** args,
                                             unsigned int shared_bytes, hipStream_t stream) {
  return cudaLaunchCooperativeKernel(reinterpret_cast<const void*>(func), grid, block, args,
                                     shared_bytes, stream);
}

#endif  // ROCM_LSP_HIP_COMPAT_BLOCKED
#endif  // ROCM_LSP_HIP_RUNTIME_API_H
