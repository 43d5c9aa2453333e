// The contract between the emulator's runner (emu_runner.cpp) and a kernel module (.so built by
// HostKernelCompiler). The runner owns threads, fibers and barriers; a module owns the kernels and
// reads its thread's coordinates through emu_cur, which the runner sets before resuming a fiber.
#pragma once
#include <stdint.h>

struct uint3 { unsigned int x, y, z; };
struct dim3 { unsigned int x, y, z; };

struct EmuBlock {
  uint3 block_idx;
  dim3 block_dim;
  dim3 grid_dim;
  void* dyn_smem;        // dynamic shared memory of this launch, per worker
  uint64_t dyn_bytes;    // its size: the launch's shared-memory argument
  uint64_t* exchange;    // one slot per thread, for warp shuffles
  unsigned int threads;  // blockDim.x * blockDim.y * blockDim.z
};

struct EmuThread {
  uint3 thread_idx;
  unsigned int linear;  // x + y * bx + z * bx * by, as CUDA numbers lanes
  const EmuBlock* block;
};

// Services the runner gives a module.
struct EmuHost {
  void (*sync_block)();  // __syncthreads
  void (*sync_warp)(unsigned int mask);  // barrier among the calling thread's warp
  void (*fail)(const char* why);  // a fault the module detected: reported with why, never returns
  void (*yield)();  // lets the block's other threads run: a spin wait (mbarrier.try_wait)
};

// One kernel of a module. sig has one letter per parameter: p pointer, l 64-bit integer,
// i 32-bit integer, f float.
struct EmuKernel {
  const char* name;
  const char* sig;
  void (*invoke)(const uint64_t* args);
};

// What a module exports, under the symbol "ember_emu_module".
struct EmuModule {
  int abi_version;
  const EmuKernel* kernels;  // terminated by a null name
  void (*attach)(const EmuHost* host);
  void (*bind)(const EmuThread* current);  // called before a fiber resumes
};

#define EMU_ABI_VERSION 3
