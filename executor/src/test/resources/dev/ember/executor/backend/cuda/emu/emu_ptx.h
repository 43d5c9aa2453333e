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
//   be aligned to the copy size, as on the GPU.
// - __cvta_generic_to_shared: a 32-bit handle that only these models decode.
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
// Static __shared__ arrays are thread_local in the module (one TLS block per worker thread), so
// their offsets from an anchor in that block are small; dynamic shared memory is tagged apart.
static thread_local char emu_smem_anchor;
static const unsigned EMU_STATIC_BASE = 0x40000000u;
static const unsigned EMU_DYNAMIC_TAG = 0x80000000u;

static inline size_t __cvta_generic_to_shared(const void* p) {
  const char* c = (const char*)p;
  const char* dyn = (const char*)EMU_DYNAMIC_SMEM;
  if (dyn != nullptr && c >= dyn && c < dyn + emu_cur->block->dyn_bytes) {
    return EMU_DYNAMIC_TAG + (size_t)(c - dyn);
  }
  long long off = (long long)(c - &emu_smem_anchor);
  if (off <= -(long long)EMU_STATIC_BASE || off >= (long long)EMU_STATIC_BASE) {
    emu_fail("__cvta_generic_to_shared of an address outside shared memory");
  }
  return (size_t)(EMU_STATIC_BASE + off);
}

static inline char* emu_shared_ptr(unsigned a) {
  if (a & EMU_DYNAMIC_TAG) {
    size_t off = a - EMU_DYNAMIC_TAG;
    if (off >= emu_cur->block->dyn_bytes) emu_fail("shared address past dynamic shared memory");
    return (char*)EMU_DYNAMIC_SMEM + off;
  }
  if (a < 0x1000u) emu_fail("shared address that no __cvta_generic_to_shared returned");
  return &emu_smem_anchor + ((long long)a - (long long)EMU_STATIC_BASE);
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

static thread_local unsigned emu_frag[1024][6];  // per thread: A's 4 registers, then B's 2

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
  memcpy(emu_frag[self->linear], a, 4 * sizeof(unsigned));
  memcpy(emu_frag[self->linear] + 4, b, 2 * sizeof(unsigned));
  __syncwarp();
  const bool tf32 = kind == EMU_MMA_TF32_M16N8K8;
  const int K = tf32 ? 8 : 16;
  float A[16][16];
  float B[16][8];
  for (int lane = 0; lane < 32; lane++) {
    const int group = lane >> 2;
    const int tig = lane & 3;
    const unsigned* regs = emu_frag[base + lane];
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
struct EmuCopy {
  char* dst;
  const char* src;
  unsigned bytes;
  unsigned src_bytes;
};
struct EmuCopyQueue {
  std::vector<EmuCopy> copies;     // issued, oldest first
  std::vector<size_t> group_ends;  // copies[0, group_ends[i]) belong to groups 0..i
};
static thread_local EmuCopyQueue emu_copy_queues[1024];

// Called as each CUDA thread starts (from the kernel table's invokers): a thread that ended
// without waiting for its copies must not leave them to the next block's thread.
static inline void emu_thread_begin() {
  EmuCopyQueue& q = emu_copy_queues[emu_cur->linear];
  q.copies.clear();
  q.group_ends.clear();
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
  emu_copy_queues[emu_cur->linear].copies.push_back({to, (const char*)src, bytes, src_bytes});
}

static inline void emu_cp_async_commit() {
  EmuCopyQueue& q = emu_copy_queues[emu_cur->linear];
  q.group_ends.push_back(q.copies.size());
}

// Retires every committed group but the newest n, oldest first; copies not yet committed stay.
static inline void emu_cp_async_wait(unsigned n) {
  EmuCopyQueue& q = emu_copy_queues[emu_cur->linear];
  if (q.group_ends.size() <= n) return;
  const size_t groups = q.group_ends.size() - n;
  const size_t done = q.group_ends[groups - 1];
  for (size_t i = 0; i < done; i++) {
    const EmuCopy& c = q.copies[i];
    memcpy(c.dst, c.src, c.src_bytes);
    memset(c.dst + c.src_bytes, 0, c.bytes - c.src_bytes);
  }
  q.copies.erase(q.copies.begin(), q.copies.begin() + (long)done);
  q.group_ends.erase(q.group_ends.begin(), q.group_ends.begin() + (long)groups);
  for (size_t& end : q.group_ends) end -= done;
}

static inline void emu_cp_async_wait_all() {
  emu_cp_async_commit();
  emu_cp_async_wait(0);
}
