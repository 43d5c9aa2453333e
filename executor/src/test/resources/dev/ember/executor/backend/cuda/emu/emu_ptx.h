// Host models of the PTX instructions Ember's tensor-core GEMMs use, written from the PTX ISA
// (sections "Warp-level matrix multiply-accumulate instructions", "cvt", "cp.async"). The host
// kernel compiler (EmuPtx.java) turns each inline `asm` statement into one call below; an
// instruction without a model here is refused there, by name.
//
// What is modelled, and how closely:
// - mma.sync.aligned m16n8k8 (tf32) and m16n8k16 (f16, bf16), row.col, f32 accumulators: the warp
//   meets, every lane publishes its A and B registers, each lane computes its own four outputs
//   from the fragment tables. Products are exact and summed in double, then added to C: the
//   hardware's summation order and truncation are not modelled (results agree to float rounding).
//   A tf32 operand is read as its upper 19 bits, as the tensor cores read it.
// - cvt.rna.tf32.f32, cvt.rn.f16x2.f32 and cvt.rn.bf16x2.f32: exact rounding, NaN canonical.
// - cp.async.{ca,cg}.shared.global with an optional source size: copies are queued per thread and
//   land in shared memory only when cp.async.wait_group / wait_all retires their group, so a
//   kernel that reads a stage before waiting for it reads stale data here too. Both addresses must
//   be aligned to the copy size, as on the GPU, and a copy may not target shared memory that a
//   wgmma of the block still in flight reads (checked at issue, since copies land late here).
// - ldmatrix.sync.aligned.m8n8.x{1,2,4}.shared.b16 (no .trans): a warp exchange of the lanes'
//   row addresses, each lane then reading its words; rows must be 16-byte aligned.
// - wgmma.mma_async.sync.aligned m64nNk16, f32 += f16/bf16, B (and A, unless A comes from
//   registers) from shared memory through matrix descriptors without swizzle or with the 128-byte
//   one (from a 1024-byte period's first 128 bytes), K-major (no transpose): queued per thread
//   and run when wgmma.wait_group retires its group (where, being .sync, the warp meets), each
//   thread computing its own accumulators from the shared memory of that moment (a stage
//   overwritten before the wait is read overwritten); A from registers is gathered at issue. The
//   fences (wgmma.fence, fence.proxy.async) have nothing to order here.
// - __cvta_generic_to_shared: a 32-bit handle that only these models decode; its low 18 bits are
//   the offset in a 256 KiB window, as a wgmma descriptor keeps them.
#pragma once
#include <stdlib.h>
#include <vector>

// Stops the whole emulated device, as a sticky GPU fault does: the driver reports `what` with the
// kernel, block and thread.
[[noreturn]] static inline void emu_fail(const char* what) {
  emu_host->fail(what);
  abort();
}

// ---- shared-memory addresses ----------------------------------------------------------------
// Shared arrays are thread_local in the module (one TLS block per worker thread, a kernel's module
// small), so their offsets from an anchor in that block are within 128 KiB; a handle is that
// offset plus a base whose low 18 bits are zero, so a descriptor's 18-bit address field still
// names it. A module whose kernel has `extern __shared__` (HostKernelCompiler defines
// EMU_USES_DYNAMIC_SHARED) keeps its dynamic shared memory, as much as sm_90 lets a block opt in
// to, in a window whose middle is the anchor, so that all of it is within the same reach; the
// runner's buffer goes unused.
#define EMU_DYNAMIC_SHARED_MAX (227 * 1024)
#ifdef EMU_USES_DYNAMIC_SHARED
struct alignas(128) EmuSharedWindow {
  char dynamic[EMU_DYNAMIC_SHARED_MAX];
};
static thread_local EmuSharedWindow emu_window;
#define emu_smem_anchor (emu_window.dynamic[EMU_DYNAMIC_SHARED_MAX / 2])
#else
alignas(128) static thread_local char emu_smem_anchor;
#endif
static const unsigned EMU_STATIC_BASE = 0x40000000u;
static const long long EMU_WINDOW = 1 << 17;

static inline char* emu_dynamic_smem() {
#ifdef EMU_USES_DYNAMIC_SHARED
  if (emu_cur->block->dyn_bytes > EMU_DYNAMIC_SHARED_MAX) {
    emu_fail("more dynamic shared memory than a block may have on sm_90 (227 KiB)");
  }
  return emu_window.dynamic;
#else
  return (char*)emu_cur->block->dyn_smem;  // no extern __shared__ in this module
#endif
}

static inline size_t __cvta_generic_to_shared(const void* p) {
  long long off = (long long)((const char*)p - &emu_smem_anchor);
  if (off <= -EMU_WINDOW || off >= EMU_WINDOW) {
    emu_fail("__cvta_generic_to_shared of an address outside shared memory");
  }
  return (size_t)(EMU_STATIC_BASE + off);
}

static inline char* emu_shared_ptr(unsigned a) {
  long long off = (long long)a - (long long)EMU_STATIC_BASE;
  if (off <= -EMU_WINDOW || off >= EMU_WINDOW) {
    emu_fail("shared address that no __cvta_generic_to_shared returned");
  }
  return &emu_smem_anchor + off;
}

// The static shared address whose low 18 bits are `low` (a descriptor's start address field).
static inline const char* emu_shared_window(unsigned long long low) {
  long long off = (long long)(low & 0x3ffffu);
  if (off >= EMU_WINDOW) off -= 2 * EMU_WINDOW;
  return &emu_smem_anchor + off;
}

// ---- ldmatrix -------------------------------------------------------------------------------
// ldmatrix.sync.aligned.m8n8.x{1,2,4}.shared.b16 (no .trans): lanes 8j to 8j + 7 give the
// addresses of the eight 16-byte rows of matrix j; lane l receives, of each matrix j, the 32-bit
// word l % 4 of row l / 4. The warp meets for each matrix, as for a shuffle.
static inline void emu_ldmatrix(int count, unsigned addr, unsigned* d) {
  const int lane = (int)(emu_cur->linear & 31u);
  for (int j = 0; j < count; j++) {
    unsigned row = emu_shuffle(0xffffffffu, addr, 8 * j + lane / 4);
    if (row & 15u) {
      emu_fail("ldmatrix row address not 16-byte aligned");
    }
    memcpy(&d[j], emu_shared_ptr(row) + 4 * (lane % 4), 4);
  }
}

// ---- per-thread state ------------------------------------------------------------------------
// Work a thread issues asynchronously and retires by group: cp.async copies and wgmma products.
// commit closes a group (possibly empty); retire(n, f) runs f on every op of all committed groups
// but the newest n, oldest first; ops issued after the last commit stay.
template <class Op>
struct EmuGroups {
  std::vector<Op> ops;
  std::vector<size_t> ends;  // ops[0, ends[i]) belong to groups 0..i

  void commit() { ends.push_back(ops.size()); }
  template <class F>
  void retire(unsigned n, F f) {
    if (ends.size() <= n) return;
    const size_t groups = ends.size() - n;
    const size_t done = ends[groups - 1];
    for (size_t i = 0; i < done; i++) f(ops[i]);
    ops.erase(ops.begin(), ops.begin() + (long)done);
    ends.erase(ends.begin(), ends.begin() + (long)groups);
    for (size_t& end : ends) end -= done;
  }
  // Runs f on the oldest `done` ops and drops them, with the groups they complete.
  template <class F>
  void retire_first(size_t done, F f) {
    for (size_t i = 0; i < done; i++) f(ops[i]);
    ops.erase(ops.begin(), ops.begin() + (long)done);
    size_t gone = 0;
    while (gone < ends.size() && ends[gone] <= done) gone++;
    ends.erase(ends.begin(), ends.begin() + (long)gone);
    for (size_t& end : ends) end -= done;
  }
  void clear() {
    ops.clear();
    ends.clear();
  }
};

// ---- mbarrier -------------------------------------------------------------------------------
// An mbarrier's 8 bytes of shared memory hold its state here: the arrivals each phase expects,
// those still pending in the current phase, and the current phase's parity. A phase completes
// when its last pending arrival comes; try_wait.parity(p) is true once the phase of parity p has
// completed, that is while the current phase's parity is not p.
struct EmuMbarrier {
  unsigned expected;
  unsigned pending : 31;
  unsigned phase : 1;
};
static_assert(sizeof(EmuMbarrier) == 8, "an mbarrier is 8 bytes");

// Polls since the block's last arrival: a block whose every thread spins on phases no arrival can
// complete hangs a GPU; here it fails once this passes a bound.
static thread_local unsigned long long emu_idle_polls;

static inline EmuMbarrier* emu_mbarrier(unsigned addr) {
  if (addr & 7u) emu_fail("mbarrier address not 8-byte aligned");
  return (EmuMbarrier*)emu_shared_ptr(addr);
}

static inline void emu_mbarrier_init(unsigned addr, unsigned count) {
  if (count == 0 || count >= (1u << 20)) emu_fail("mbarrier.init count must be 1 to 2^20 - 1");
  EmuMbarrier* b = emu_mbarrier(addr);
  b->expected = count;
  b->pending = count;
  b->phase = 0;
}

static inline void emu_mbarrier_arrive_on(EmuMbarrier* b) {
  if (b->expected == 0 || b->pending == 0) emu_fail("arrive on an mbarrier never initialised");
  if (--b->pending == 0) {
    b->phase ^= 1u;
    b->pending = b->expected;
  }
  emu_idle_polls = 0;
}

static inline void emu_mbarrier_arrive(unsigned addr) {
  emu_mbarrier_arrive_on(emu_mbarrier(addr));
}

// A cp.async, or (arrive set) the arrival cp.async.mbarrier.arrive.noinc queues behind the
// thread's earlier copies: it happens when they have landed.
struct EmuCopy {
  char* dst;
  const char* src;
  unsigned bytes;
  unsigned src_bytes;
  EmuMbarrier* arrive;
};

static inline void emu_land(const EmuCopy& c) {
  if (c.arrive != nullptr) {
    emu_mbarrier_arrive_on(c.arrive);
    return;
  }
  memcpy(c.dst, c.src, c.src_bytes);
  memset(c.dst + c.src_bytes, 0, c.bytes - c.src_bytes);
}

// One operand of a wgmma as its descriptor lays it out, K-major, `rows` rows by 16 K. Without
// swizzle: 8 x 8 core matrices of 128 contiguous bytes (row-major inside), LBO bytes apart along K
// and SBO bytes apart along the rows. With the 128-byte swizzle: 8-row groups SBO bytes apart, row
// r % 8 of a group 128 bytes after the one before, K contiguous from the start address, and then
// the 16-byte chunk bits of each address (4-6) XORed with its bits 7-9 (LBO unused).
struct EmuWgmmaOperand {
  const char* start;
  unsigned long long lbo, sbo;
  int rows;
  unsigned addr;   // the start as a shared address (its low 18 bits), whose bits the swizzle uses
  bool swizzle128;

  const char* at(int row, int k) const {
    if (!swizzle128) {
      return start + (row >> 3) * sbo + (k >> 3) * lbo + (row & 7) * 16 + (k & 7) * 2;
    }
    unsigned long long a = addr + (row >> 3) * sbo + (row & 7) * 128 + k * 2;
    return emu_shared_window(a ^ (((a >> 7) & 7u) << 4));
  }
  const char* end() const {  // past the last byte read: a swizzled row is read anywhere in its span
    return swizzle128 ? emu_shared_window((addr & ~127u) + ((rows - 1) >> 3) * sbo + 8 * 128)
                      : at(rows - 1, 15) + 2;
  }
};

struct EmuWgmma {
  float* d[128];  // this thread's accumulators, N / 2 of them
  int n;          // N of m64nNk16
  bool bf16;
  EmuWgmmaOperand a, b;
  bool a_regs;            // A came from registers: a_vals, not the descriptor a
  float a_vals[64 * 16];  // then the warpgroup's A, row-major, as issued
  bool accumulate;  // scale-d: D = A B + D, else D = A B
  int scale_a, scale_b;
};

struct EmuThreadState {
  unsigned frag[6];  // mma.sync: A's 4 registers, then B's 2, for the warp to read
  EmuGroups<EmuCopy> copies;
  EmuGroups<EmuWgmma> products;
};

// On the heap, not in TLS: the module's TLS block must stay small, since static shared arrays
// live there within reach of one 18-bit window (see __cvta_generic_to_shared).
static thread_local EmuThreadState* emu_states;  // one per thread of a block, per worker

static inline EmuThreadState& emu_state(unsigned linear) {
  if (emu_states == nullptr) emu_states = new EmuThreadState[1024];
  return emu_states[linear];
}
static inline EmuThreadState& emu_self() { return emu_state(emu_cur->linear); }

// Called as each CUDA thread starts (from the kernel table's invokers): a thread that ended
// without waiting for its copies or products must not leave them to the next block's thread.
static inline void emu_thread_begin() {
  emu_self().copies.clear();
  emu_self().products.clear();
}

// Called as each CUDA thread returns: products still in flight would land in registers that no
// longer exist (and the next block's copies would be checked against them).
static inline void emu_thread_end() {
  if (!emu_self().products.ops.empty()) {
    emu_fail("the kernel returned with wgmma.mma_async products in flight (retire them with"
             " wgmma.wait_group 0 before using the accumulators)");
  }
}

// ---- conversions ----------------------------------------------------------------------------
static inline unsigned emu_bits(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
static inline float emu_float(unsigned u) { float f; memcpy(&f, &u, 4); return f; }

// Round to nearest, ties away from zero, keeping 10 mantissa bits (the low 13 bits are zero).
static inline unsigned emu_cvt_rna_tf32(float x) {
  unsigned u = emu_bits(x);
  if ((u & 0x7f800000u) == 0x7f800000u) return (u & 0x7fffffu) ? 0x7fffffffu : u;
  return (u + 0x1000u) & 0xffffe000u;
}

// IEEE binary16, round to nearest even; overflow gives infinity.
static inline unsigned emu_f32_to_f16(float f) {
  unsigned x = emu_bits(f);
  unsigned sign = (x >> 16) & 0x8000u;
  unsigned exp = (x >> 23) & 0xffu;
  unsigned man = x & 0x7fffffu;
  if (exp == 0xffu) return man ? 0x7fffu : sign | 0x7c00u;
  int e = (int)exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00u;
  unsigned h, rem, mid;
  if (e <= 0) {  // a subnormal half (or zero): value = (man | 1 << 23) * 2^(e - 14 - 10) ...
    if (e < -10) return sign;
    unsigned m = man | 0x800000u;
    int shift = 14 - e;
    h = m >> shift;
    rem = m & ((1u << shift) - 1);
    mid = 1u << (shift - 1);
  } else {
    h = ((unsigned)e << 10) | (man >> 13);
    rem = man & 0x1fffu;
    mid = 0x1000u;
  }
  if (rem > mid || (rem == mid && (h & 1u))) h++;  // a carry into the exponent is still right
  return sign | h;
}

static inline float emu_f16_to_f32(unsigned h) {
  unsigned sign = (h & 0x8000u) << 16;
  unsigned e = (h >> 10) & 0x1fu;
  unsigned m = h & 0x3ffu;
  if (e == 0) {
    float v = ldexpf((float)m, -24);
    return sign ? -v : v;
  }
  if (e == 31) return emu_float(sign | 0x7f800000u | (m << 13));
  return emu_float(sign | ((e + 112u) << 23) | (m << 13));
}

// bfloat16, round to nearest even.
static inline unsigned emu_f32_to_bf16(float f) {
  unsigned x = emu_bits(f);
  if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu)) return 0x7fffu;
  return (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
}

static inline float emu_bf16_to_f32(unsigned h) { return emu_float(h << 16); }

// cvt.rn.{f16,bf16}x2.f32 d, a, b: a goes to the upper half of d, b to the lower.
static inline unsigned emu_cvt_rn_f16x2(float a, float b) {
  return (emu_f32_to_f16(a) << 16) | emu_f32_to_f16(b);
}
static inline unsigned emu_cvt_rn_bf16x2(float a, float b) {
  return (emu_f32_to_bf16(a) << 16) | emu_f32_to_bf16(b);
}

// ---- mma.sync -------------------------------------------------------------------------------
enum EmuMmaKind { EMU_MMA_TF32_M16N8K8, EMU_MMA_F16_M16N8K16, EMU_MMA_BF16_M16N8K16 };


// Element i of a register list, low half first for 16-bit types.
static inline float emu_element(EmuMmaKind kind, const unsigned* regs, int i) {
  switch (kind) {
    case EMU_MMA_TF32_M16N8K8: return emu_float(regs[i] & 0xffffe000u);
    case EMU_MMA_F16_M16N8K16: return emu_f16_to_f32((regs[i / 2] >> (16 * (i % 2))) & 0xffffu);
    default: return emu_bf16_to_f32((regs[i / 2] >> (16 * (i % 2))) & 0xffffu);
  }
}

static inline void emu_mma_sync(EmuMmaKind kind, float* const d[4], const unsigned a[4],
                                const unsigned b[2], const float c[4]) {
  const EmuThread* self = emu_cur;
  const unsigned base = self->linear & ~31u;
  if (base + 32 > self->block->threads) emu_fail("mma.sync in a warp of fewer than 32 threads");
  memcpy(emu_state(self->linear).frag, a, 4 * sizeof(unsigned));
  memcpy(emu_state(self->linear).frag + 4, b, 2 * sizeof(unsigned));
  __syncwarp();
  const bool tf32 = kind == EMU_MMA_TF32_M16N8K8;
  const int K = tf32 ? 8 : 16;
  float A[16][16];
  float B[16][8];
  for (int lane = 0; lane < 32; lane++) {
    const int group = lane >> 2;
    const int tig = lane & 3;
    const unsigned* regs = emu_state(base + lane).frag;
    for (int i = 0; i < (tf32 ? 4 : 8); i++) {
      int row, col;
      if (tf32) {  // a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4)
        row = group + ((i & 1) ? 8 : 0);
        col = tig + (i >= 2 ? 4 : 0);
      } else {  // a0..a7: rows g, g, g + 8, g + 8, g, g, g + 8, g + 8; cols 2t + (i & 1) (+ 8)
        row = group + ((i & 2) ? 8 : 0);
        col = 2 * tig + (i & 1) + (i >= 4 ? 8 : 0);
      }
      A[row][col] = emu_element(kind, regs, i);
    }
    for (int i = 0; i < (tf32 ? 2 : 4); i++) {  // b_i: column g; row t (+ 4) or 2t + (i & 1) (+ 8)
      const int row = tf32 ? tig + 4 * i : 2 * tig + (i & 1) + (i >= 2 ? 8 : 0);
      B[row][group] = emu_element(kind, regs + 4, i);
    }
  }
  const int lane = (int)(self->linear & 31u);
  float out[4];
  for (int i = 0; i < 4; i++) {  // c0 (g, 2t), c1 (g, 2t + 1), c2 (g + 8, 2t), c3 (g + 8, 2t + 1)
    const int row = (lane >> 2) + (i >= 2 ? 8 : 0);
    const int col = 2 * (lane & 3) + (i & 1);
    double s = 0;
    for (int k = 0; k < K; k++) s += (double)A[row][k] * (double)B[k][col];
    out[i] = (float)((double)c[i] + s);
  }
  __syncwarp();  // no lane may publish its next fragments before every lane has read these
  for (int i = 0; i < 4; i++) *d[i] = out[i];
}

// ---- cp.async -------------------------------------------------------------------------------
// A copy lands some time between its issue and its wait, so it may not write what a product
// still in flight (issued, not retired by wgmma.wait_group) of any thread of the block reads.
// Copies land late here, which would hide that race; it is checked at issue instead.
static inline void emu_check_no_product_reads(const char* to, unsigned bytes) {
  if (emu_states == nullptr) return;
  for (unsigned t = 0; t < emu_cur->block->threads; t++) {
    for (const EmuWgmma& op : emu_states[t].products.ops) {
      for (const EmuWgmmaOperand* x : {&op.a, &op.b}) {
        if (x == &op.a && op.a_regs) continue;  // read from registers at issue
        if (to < x->end() && x->start < to + bytes) {
          emu_fail("cp.async into shared memory that an in-flight wgmma.mma_async reads (retire"
                   " its group with wgmma.wait_group before copying into that stage)");
        }
      }
    }
  }
}


static inline void emu_cp_async(bool global_only_l2, unsigned dst, const void* src,
                                unsigned bytes, unsigned src_bytes) {
  if (bytes != 4 && bytes != 8 && bytes != 16) emu_fail("cp.async size must be 4, 8 or 16");
  if (global_only_l2 && bytes != 16) emu_fail("cp.async.cg copies 16 bytes only");
  if (src_bytes > bytes) emu_fail("cp.async source size larger than the copy size");
  char* to = emu_shared_ptr(dst);
  if (((uintptr_t)to % bytes) != 0 || ((uintptr_t)src % bytes) != 0) {
    emu_fail("cp.async address not aligned to the copy size (misaligned address on a GPU)");
  }
  emu_check_no_product_reads(to, bytes);
  emu_self().copies.ops.push_back({to, (const char*)src, bytes, src_bytes, nullptr});
}

// cp.async.mbarrier.arrive.noinc: one arrival on the barrier (counted in its init count) once
// every cp.async this thread issued before it has landed.
static inline void emu_cp_async_mbarrier_arrive(unsigned addr) {
  emu_self().copies.ops.push_back({nullptr, nullptr, 0, 0, emu_mbarrier(addr)});
}

// mbarrier.try_wait.parity. Copies land late here: a thread polling a phase that has not
// completed first lands, in every thread of the block, the copies queued before an arrival on
// this barrier, with those arrivals; if the phase is still open it lets the others run.
static inline bool emu_mbarrier_try_wait(unsigned addr, unsigned parity) {
  EmuMbarrier* b = emu_mbarrier(addr);
  if (b->phase == (parity & 1u) && emu_states != nullptr) {
    for (unsigned t = 0; t < emu_cur->block->threads; t++) {
      EmuGroups<EmuCopy>& q = emu_states[t].copies;
      size_t upto = 0;
      for (size_t i = 0; i < q.ops.size(); i++)
        if (q.ops[i].arrive == b) upto = i + 1;
      q.retire_first(upto, emu_land);
    }
  }
  if (b->phase != (parity & 1u)) return true;
  if (++emu_idle_polls > 1000ull * emu_cur->block->threads) {
    emu_fail("every thread waits on an mbarrier phase that no arrival completes (a hang on a"
             " GPU)");
  }
  emu_host->yield();
  return false;
}

static inline void emu_cp_async_commit() { emu_self().copies.commit(); }

static inline void emu_cp_async_wait(unsigned n) { emu_self().copies.retire(n, emu_land); }

static inline void emu_cp_async_wait_all() {
  emu_cp_async_commit();
  emu_cp_async_wait(0);
}

// ---- wgmma ----------------------------------------------------------------------------------
// An operand's descriptor read once, at issue: start address, LBO and SBO (all in 16-byte units).
static inline EmuWgmmaOperand emu_wgmma_operand(unsigned long long desc, int rows) {
  const unsigned mode = (unsigned)(desc >> 62);
  if (mode > 1) emu_fail("wgmma descriptor with a 64- or 32-byte swizzle has no model");
  if (((desc >> 49) & 7u) != 0) emu_fail("wgmma descriptor with a base offset has no model");
  const unsigned addr = (unsigned)((desc & 0x3fffu) << 4);
  if (mode == 1 && (addr & 0x380u) != 0) {
    // The pattern repeats every 1024 bytes of address; a start in another 128 bytes of its period
    // needs the base offset field, which has no model (and Ember's kernels align their stages).
    emu_fail("128-byte-swizzled wgmma operand not in the first 128 bytes of a 1024-byte period");
  }
  if (mode == 1 && (addr & 0x70u) > 0x60u) {
    emu_fail("128-byte-swizzled wgmma operand whose k16 step crosses its 128-byte span");
  }
  return {emu_shared_window(addr), ((desc >> 16) & 0x3fffu) << 4, ((desc >> 32) & 0x3fffu) << 4,
          rows, addr, mode == 1};
}

static inline double emu_wgmma_element(const EmuWgmmaOperand& x, bool bf16, int row, int k) {
  unsigned short h;
  memcpy(&h, x.at(row, k), 2);
  return bf16 ? emu_bf16_to_f32(h) : emu_f16_to_f32(h);
}

static inline void emu_wgmma_run(const EmuWgmma& op) {
  const unsigned t = emu_cur->linear & 127u;  // the thread's place in its warpgroup
  const int warp = (int)(t >> 5);
  const int g = (int)((t & 31u) >> 2);
  const int tig = (int)(t & 3u);
  for (int i = 0; i < op.n / 2; i++) {  // D_i: row 16 warp + g (+ 8), column 8 (i / 4) + 2 t (+ 1)
    const int row = 16 * warp + g + 8 * ((i >> 1) & 1);
    const int col = 8 * (i >> 2) + 2 * tig + (i & 1);
    double s = 0;
    for (int k = 0; k < 16; k++) {
      const double a = op.a_regs ? (double)op.a_vals[row * 16 + k]
                                 : emu_wgmma_element(op.a, op.bf16, row, k);
      s += a * emu_wgmma_element(op.b, op.bf16, col, k);
    }
    s *= op.scale_a * op.scale_b;
    *op.d[i] = (float)((op.accumulate ? (double)*op.d[i] : 0.0) + s);
  }
}

// What both forms of wgmma check and queue alike: D, N, the type, B's descriptor, scale-d and the
// immediate scales; A is the caller's.
static inline EmuWgmma emu_wgmma_op(bool bf16, int n, float* const* d, unsigned long long db,
                                    bool accumulate, int scale_a, int scale_b) {
  if (n % 8 != 0 || n < 8 || n > 256) emu_fail("wgmma N must be a multiple of 8 up to 256");
  if (emu_cur->block->threads % 128 != 0) emu_fail("wgmma needs whole warpgroups of 128 threads");
  if ((scale_a != 1 && scale_a != -1) || (scale_b != 1 && scale_b != -1)) {
    emu_fail("wgmma imm-scale-a/b must be 1 or -1");
  }
  EmuWgmma op;
  for (int i = 0; i < n / 2; i++) op.d[i] = d[i];
  op.n = n;
  op.bf16 = bf16;
  op.b = emu_wgmma_operand(db, n);
  op.accumulate = accumulate;
  op.scale_a = scale_a;
  op.scale_b = scale_b;
  return op;
}

static inline void emu_wgmma(bool bf16, int n, float* const* d, unsigned long long da,
                             unsigned long long db, bool accumulate, int scale_a, int scale_b,
                             int trans_a, int trans_b) {
  if (trans_a != 0 || trans_b != 0) emu_fail("wgmma with transposed operands has no model");
  EmuWgmma op = emu_wgmma_op(bf16, n, d, db, accumulate, scale_a, scale_b);
  op.a_regs = false;
  op.a = emu_wgmma_operand(da, 64);
  emu_self().products.ops.push_back(op);
}

// wgmma with A from registers. Warp w of a warpgroup holds rows 16w to 16w + 15 of A as
// mma.m16n8k16 holds its A: register 0 row g at K 2t and 2t + 1 (the even K in the low half),
// register 1 row g + 8, registers 2 and 3 the same at K + 8. The product needs all 128 threads'
// registers, so every thread publishes its four, the block meets at a barrier, each copies its
// warpgroup's 64 x 16 A into its queued op, and a second barrier keeps the next publication from
// overwriting what a slower thread still reads. Every thread of the block must therefore issue the
// same products together, as Ember's kernels do (a GPU needs only the warpgroup to).
static inline void emu_wgmma_rs(bool bf16, int n, float* const* d, const unsigned a[4],
                                unsigned long long db, bool accumulate, int scale_a, int scale_b,
                                int trans_b) {
  if (trans_b != 0) emu_fail("wgmma with a transposed B has no model");
  EmuWgmma op = emu_wgmma_op(bf16, n, d, db, accumulate, scale_a, scale_b);
  op.a_regs = true;
  op.a = {nullptr, 0, 0, 0};
  const unsigned linear = emu_cur->linear;
  memcpy(emu_state(linear).frag, a, 4 * sizeof(unsigned));
  __syncthreads();
  const unsigned base = linear & ~127u;
  for (unsigned lane = 0; lane < 128; lane++) {
    const unsigned* regs = emu_state(base + lane).frag;
    const int warp = (int)(lane >> 5), g = (int)((lane & 31u) >> 2), t = (int)(lane & 3u);
    for (int i = 0; i < 8; i++) {
      const int row = 16 * warp + g + ((i & 2) ? 8 : 0);
      const int col = 2 * t + (i & 1) + (i >= 4 ? 8 : 0);
      const unsigned h = (regs[i / 2] >> (16 * (i % 2))) & 0xffffu;
      op.a_vals[row * 16 + col] = bf16 ? emu_bf16_to_f32(h) : emu_f16_to_f32(h);
    }
  }
  __syncthreads();
  emu_state(linear).products.ops.push_back(op);
}

static inline void emu_wgmma_commit() { emu_self().products.commit(); }

// .sync: no lane returns before every lane of its warp has retired its groups.
static inline void emu_wgmma_wait(unsigned n) {
  emu_self().products.retire(n, emu_wgmma_run);
  __syncwarp();
}
