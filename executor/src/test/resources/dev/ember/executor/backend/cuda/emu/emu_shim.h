// Maps the CUDA C subset that Ember generates onto C++ for the host emulator. Included before the
// generated source by HostKernelCompiler, which also rewrites `extern __shared__ T name[];` into a
// pointer to the launch's dynamic shared memory and appends the kernel table.
#pragma once
#include <float.h>
#include <math.h>
#include <string.h>
#include "emu_abi.h"

// A block runs on one worker OS thread (its threads are fibers there), and a worker runs one
// block at a time, so per-OS-thread storage is exactly per-block storage.
#define __shared__ static thread_local
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
// A GNU attribute, unlike alignas, may stand among decl-specifiers (`__shared__ __align__(16) T`).
#define __align__(n) __attribute__((aligned(n)))

static const EmuHost* emu_host;
static thread_local const EmuThread* emu_cur;

#define threadIdx (emu_cur->thread_idx)
#define blockIdx (emu_cur->block->block_idx)
#define blockDim (emu_cur->block->block_dim)
#define gridDim (emu_cur->block->grid_dim)
#define warpSize 32
#define EMU_DYNAMIC_SMEM (emu_dynamic_smem())  // emu_ptx.h: beside the shared window's anchor

static inline void __syncthreads() { emu_host->sync_block(); }
static inline void __syncwarp(unsigned int mask = 0xffffffffu) { emu_host->sync_warp(mask); }

// Each lane publishes its value, the warp meets, each lane reads lane `src` of its warp (its own
// value when src is -1 or beyond the block), and the warp meets again so that no lane overwrites
// a slot another lane has yet to read.
template <class T>
static inline T emu_shuffle(unsigned int mask, T v, int src) {
  const EmuThread* t = emu_cur;
  unsigned int warp_base = t->linear & ~31u;
  uint64_t bits = 0;
  memcpy(&bits, &v, sizeof(T));
  t->block->exchange[t->linear] = bits;
  emu_host->sync_warp(mask);
  T r = v;
  if (src >= 0 && src < 32 && warp_base + (unsigned int)src < t->block->threads) {
    memcpy(&r, &t->block->exchange[warp_base + (unsigned int)src], sizeof(T));
  }
  emu_host->sync_warp(mask);
  return r;
}
static inline int emu_lane() { return (int)(emu_cur->linear & 31u); }
// The source-lane rules below follow the CUDA programming guide's warp shuffle functions.
template <class T>
static inline T __shfl_xor_sync(unsigned int mask, T v, int lane_mask, int width = 32) {
  int lane = emu_lane();
  int src = lane ^ lane_mask;
  return emu_shuffle(mask, v, src / width > lane / width ? -1 : src);
}
template <class T>
static inline T __shfl_down_sync(unsigned int mask, T v, unsigned int delta, int width = 32) {
  int lane = emu_lane();
  int src = lane + (int)delta;
  return emu_shuffle(mask, v, src / width != lane / width ? -1 : src);
}
template <class T>
static inline T __shfl_up_sync(unsigned int mask, T v, unsigned int delta, int width = 32) {
  int lane = emu_lane();
  int src = lane - (int)delta;
  return emu_shuffle(mask, v, src < 0 || src / width != lane / width ? -1 : src);
}
template <class T>
static inline T __shfl_sync(unsigned int mask, T v, int src_lane, int width = 32) {
  int lane = emu_lane();
  return emu_shuffle(mask, v, lane - lane % width + src_lane % width);
}

// A float2 loaded or stored through a pointer must be 8-byte aligned, as on the device (checked
// below).
struct __attribute__((aligned(8))) float2 {
  float x, y;
  float2() = default;
  inline float2(const float2& o);
  inline float2& operator=(const float2& o);
};
static inline float2 make_float2(float x, float y) {
  float2 v;
  v.x = x;
  v.y = y;
  return v;
}
// A float4 loaded or stored through a pointer must be 16-byte aligned, as on the device.
struct __attribute__((aligned(16))) float4 {
  float x, y, z, w;
  float4() = default;
  inline float4(const float4& o);
  inline float4& operator=(const float4& o);
};
struct __attribute__((aligned(8))) uint2 { unsigned int x, y; };
struct __attribute__((aligned(16))) uint4 { unsigned int x, y, z, w; };

// glibc already declares __expf and __logf, the fast-math names CUDA also has.
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
static inline float __fdividef(float a, float b) { return a / b; }
static inline float __int_as_float(int x) { float f; memcpy(&f, &x, 4); return f; }
static inline int __float_as_int(float x) { int i; memcpy(&i, &x, 4); return i; }
static inline float __uint_as_float(unsigned int x) { float f; memcpy(&f, &x, 4); return f; }
static inline unsigned int __float_as_uint(float x) { unsigned int i; memcpy(&i, &x, 4); return i; }
static inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
template <class T> static inline T __ldg(const T* p) { return *p; }
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }
static inline unsigned int min(unsigned int a, unsigned int b) { return a < b ? a : b; }
static inline unsigned int max(unsigned int a, unsigned int b) { return a > b ? a : b; }
static inline long long min(long long a, long long b) { return a < b ? a : b; }
static inline long long max(long long a, long long b) { return a > b ? a : b; }
static inline float min(float a, float b) { return fminf(a, b); }
static inline float max(float a, float b) { return fmaxf(a, b); }

// Turns a raw 64-bit argument into whichever pointer type the kernel parameter declares.
struct EmuPtr {
  uint64_t bits;
  template <class T> operator T*() const { return (T*)(uintptr_t)bits; }
};
static inline float emu_f32(uint64_t bits) {
  unsigned int low = (unsigned int)bits;
  float f;
  memcpy(&f, &low, 4);
  return f;
}

// Models of the inline PTX that EmuPtx.java translates asm statements into.
#include "emu_ptx.h"

// Fails with `what` where a vector access at p would fault on the device: not `bytes` aligned.
static inline void emu_aligned(const void* p, uintptr_t bytes, const char* what) {
  if ((uintptr_t)p & (bytes - 1)) {
    emu_fail(what);
  }
}
inline float4::float4(const float4& o) {
  emu_aligned(&o, 16, "a float4 load from an address that is not 16-byte aligned (misaligned"
      " address)");
  x = o.x;
  y = o.y;
  z = o.z;
  w = o.w;
}
inline float4& float4::operator=(const float4& o) {
  emu_aligned(this, 16, "a float4 store to an address that is not 16-byte aligned (misaligned"
      " address)");
  x = o.x;
  y = o.y;
  z = o.z;
  w = o.w;
  return *this;
}
inline float2::float2(const float2& o) {
  emu_aligned(&o, 8, "a float2 load from an address that is not 8-byte aligned (misaligned"
      " address)");
  x = o.x;
  y = o.y;
}
inline float2& float2::operator=(const float2& o) {
  emu_aligned(this, 8, "a float2 store to an address that is not 8-byte aligned (misaligned"
      " address)");
  x = o.x;
  y = o.y;
  return *this;
}
