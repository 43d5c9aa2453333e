package dev.ember.executor.backend.cuda.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.backend.cuda.GpuDriver.Dim3;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The host models of inline PTX: how asm statements are translated (and which are refused), the
 * conversions' rounding at the edges the PTX ISA defines, and cp.async's alignment rule. The
 * tensor-core GEMMs that use them are checked whole by GemmTensorCoreEmulatedTest.
 */
class EmuPtxTest {
  @Test
  void aStatementBecomesItsModelsCallOnTheSameLines() {
    String src =
        "int a;\nasm(\"cvt.rna.tf32.f32 %0, %1;\"\n    : \"=r\"(w) : \"f\"(x[i]));\nint b;\n";
    String out = EmuPtx.translate(src, "t.cu");
    assertEquals("int a;\n{ (w) = emu_cvt_rna_tf32((x[i])); }\n\nint b;\n", out);
  }

  @Test
  void wgmmaWithARegistersPassesThemToItsModel() {
    String src = "asm volatile(\"{\\n.reg .pred p;\\nsetp.ne.b32 p, %9, 0;\\n"
        + "wgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {%0, %1, %2, %3},"
        + " {%4, %5, %6, %7}, %8, p, 1, 1, 0;\\n}\\n\" : \"+f\"(d[0]), \"+f\"(d[1]),"
        + " \"+f\"(d[2]), \"+f\"(d[3]) : \"r\"(a[0]), \"r\"(a[1]), \"r\"(a[2]), \"r\"(a[3]),"
        + " \"l\"(db), \"r\"(1));";
    String out = EmuPtx.translate(src, "rs.cu");
    assertTrue(out.contains("const unsigned emu_a[4] = {(unsigned)(a[0]), (unsigned)(a[1]),"
        + " (unsigned)(a[2]), (unsigned)(a[3])};"), out);
    assertTrue(out.contains("emu_wgmma_rs(true, 8, emu_d, emu_a, (db), (1) != 0, 1, 1, 0);"),
        out);
  }

  @Test
  void ptxWithoutAModelIsRefusedByNameAndLine() {
    String src = "void f() {\n  asm volatile(\"ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"
        + " {%0, %1, %2, %3}, [%4];\" : \"=r\"(a), \"=r\"(b), \"=r\"(c), \"=r\"(d) :"
        + " \"r\"(s));\n}\n";
    EmberException e = assertThrows(EmberException.class, () -> EmuPtx.translate(src, "w.cu"));
    assertEquals(ErrorCode.KERNEL_COMPILE_FAILED, e.code());
    assertTrue(e.getMessage().contains("w.cu line 2"), e.getMessage());
    assertTrue(e.getMessage().contains("'ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"),
        e.getMessage());
    // Several instructions in one statement are refused whole, not run in part.
    EmberException block = assertThrows(EmberException.class, () -> EmuPtx.translate(
        "asm(\"cp.async.commit_group;\\ncp.async.wait_group 0;\");", "b.cu"));
    assertEquals(ErrorCode.KERNEL_COMPILE_FAILED, block.code());
  }

  /** Each lane converts one input pair; the words come back as they would from the GPU. */
  private static final String CONVERT = """
      extern "C" __global__ void convert(const float* in, unsigned* out) {
        const int i = threadIdx.x;
        const float hi = in[2 * i], lo = in[2 * i + 1];
        unsigned h, b, t;
        asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(h) : "f"(hi), "f"(lo));
        asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(b) : "f"(hi), "f"(lo));
        asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(t) : "f"(lo));
        out[3 * i] = h;
        out[3 * i + 1] = b;
        out[3 * i + 2] = t;
      }
      """;

  @Test
  void conversionsRoundAsThePtxIsaSays() {
    assumeTrue(HostKernelCompiler.unavailableReason() == null,
        "no host compiler: " + HostKernelCompiler.unavailableReason());
    // {hi, lo, f16(lo), bf16(lo), tf32(lo)}; f16(hi) is checked as the word's upper half.
    float tieF16Even = 1f + 0x1p-11f; // halfway between 1 and 1 + 2^-10: to even (1)
    float tieF16Odd = 1f + 3 * 0x1p-11f; // halfway, the lower neighbour odd: up
    float tieBf16 = 1f + 0x1p-8f; // halfway between bf16 1 and 1 + 2^-7: to even (1)
    Object[][] cases = {
        {1f, tieF16Even, 0x3c00, 0x3f80, 0x3f802000}, // tf32 ties away from zero
        {-2f, tieF16Odd, 0x3c02, 0x3f80, 0x3f804000},
        {65504f, tieBf16, 0x3c04, 0x3f80, 0x3f808000},
        {65520f, 0x1p-24f, 0x0001, 0x3380, 0x33800000}, // 65520 ties to even: infinity
        {0f, 0x1p-25f, 0x0000, 0x3300, 0x33000000}, // half the smallest subnormal: to even (0)
        {0f, 3 * 0x1p-26f, 0x0001, 0x3340, 0x33400000},
        {0f, Float.NaN, 0x7fff, 0x7fff, 0x7fffffff},
        {0f, -1e6f, 0xfc00, 0xc974, 0xc9742000},
    };
    int[] upperF16 = {0x3c00, 0xc000, 0x7bff, 0x7c00, 0x0000, 0x0000, 0x0000, 0x0000};
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      byte[] image = new HostKernelCompiler().compile(CONVERT, gpu.device().arch(), "convert.cu");
      Object k = gpu.load(image, List.of("convert")).get("convert");
      ByteBuffer in = ByteBuffer.allocateDirect(8 * cases.length).order(ByteOrder.LITTLE_ENDIAN);
      for (Object[] c : cases) {
        in.putFloat((float) c[0]).putFloat((float) c[1]);
      }
      long dIn = gpu.alloc(in.capacity());
      gpu.upload(dIn, in.flip());
      long dOut = gpu.alloc(12L * cases.length);
      gpu.launch(k, Dim3.of(1), Dim3.of(cases.length), 0, new Object[] {dIn, dOut});
      ByteBuffer out = ByteBuffer.allocateDirect(12 * cases.length)
          .order(ByteOrder.LITTLE_ENDIAN);
      gpu.download(out, dOut);
      for (int i = 0; i < cases.length; i++) {
        int h = out.getInt(12 * i);
        String at = "case " + i + " (" + cases[i][0] + ", " + cases[i][1] + ")";
        assertEquals(hex((int) cases[i][2]), hex(h & 0xffff), at + " f16 of lo");
        assertEquals(hex(upperF16[i]), hex(h >>> 16), at + " f16 of hi");
        assertEquals(hex((int) cases[i][3]), hex(out.getInt(12 * i + 4) & 0xffff), at + " bf16");
        assertEquals(hex((int) cases[i][4]), hex(out.getInt(12 * i + 8)), at + " tf32");
      }
    }
  }

  /**
   * ldmatrix x1, x2 and x4 as the PTX ISA describes them: lane l receives, of matrix j, word l %
   * 4 of the row whose address lane 8j + l / 4 gave. The lanes give the rows of each matrix in
   * reverse, so a model that assumed a layout instead of reading the addresses fails.
   */
  @Test
  void ldmatrixGivesEachLaneTheWordsOfTheRowsTheLanesAddressed() {
    assumeTrue(HostKernelCompiler.unavailableReason() == null,
        "no host compiler: " + HostKernelCompiler.unavailableReason());
    String src = """
        extern "C" __global__ void ld(unsigned* out) {
          __shared__ __align__(16) unsigned short s[4][8][8];
          const int l = threadIdx.x;
          for (int i = l; i < 256; i += 32) s[i / 64][(i / 8) % 8][i % 8] = (unsigned short)i;
          __syncthreads();
          const unsigned a = (unsigned) __cvta_generic_to_shared(&s[l / 8][7 - l % 8][0]);
          unsigned w[7];
          asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
              : "=r"(w[0]), "=r"(w[1]), "=r"(w[2]), "=r"(w[3]) : "r"(a));
          asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];"
              : "=r"(w[4]), "=r"(w[5]) : "r"(a));
          asm volatile("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];"
              : "=r"(w[6]) : "r"(a));
          for (int i = 0; i < 7; i++) out[7 * l + i] = w[i];
        }
        """;
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object k = gpu.load(new HostKernelCompiler().compile(src, gpu.device().arch(), "ld.cu"),
          List.of("ld")).get("ld");
      long dOut = gpu.alloc(4L * 7 * 32);
      gpu.launch(k, Dim3.of(1), Dim3.of(32), 0, new Object[] {dOut});
      ByteBuffer out = ByteBuffer.allocateDirect(4 * 7 * 32).order(ByteOrder.LITTLE_ENDIAN);
      gpu.download(out, dOut);
      int[] matrixOfSlot = {0, 1, 2, 3, 0, 1, 0};
      for (int l = 0; l < 32; l++) {
        for (int i = 0; i < 7; i++) {
          int low = matrixOfSlot[i] * 64 + (7 - l / 4) * 8 + 2 * (l % 4);
          assertEquals(hex(low | (low + 1) << 16), hex(out.getInt(4 * (7 * l + i))),
              "lane " + l + " word " + i);
        }
      }
    }
  }

  /**
   * wgmma on 128-byte-swizzled operands: the kernel lays A (64 rows) and B^T (16 rows) out as rows
   * of 64 bf16 values (128 bytes) from a 1024-byte boundary of shared address, each byte offset's
   * bits 4-6 XORed with its bits 7-9 (CuTe's Swizzle<3,4,3>, the layout TMA's 128-byte swizzle
   * writes), and multiplies K 16s to 16s + 15 through descriptors 32 s bytes in (SBO 1024 bytes,
   * mode 1). B^T picks column k % 16 == n, so D is A's 16 columns of that step; a model that read
   * the rows unswizzled, or stepped K another way, gives other columns. An operand moved 128 bytes
   * into the period fails the launch, since the base offset that would shift it has no model.
   */
  @Test
  void swizzledWgmmaReadsTheRowsThe128ByteSwizzleLaysOut() {
    assumeTrue(HostKernelCompiler.unavailableReason() == null,
        "no host compiler: " + HostKernelCompiler.unavailableReason());
    String src = """
        __device__ unsigned long long desc(const unsigned char* p) {
          const unsigned a = (unsigned) __cvta_generic_to_shared(p);
          return (unsigned long long) ((a & 0x3FFFF) >> 4) | (1ull << 16) | (64ull << 32)
              | (1ull << 62);
        }
        __device__ unsigned swizzled(unsigned off) { return off ^ (((off >> 7) & 7u) << 4); }
        extern "C" __global__ void sw(const unsigned short* in, float* out, int shift) {
          __shared__ __align__(128) unsigned char raw[80 * 128 + 1024 + 128];
          const unsigned base = (unsigned) __cvta_generic_to_shared(raw);
          unsigned char* a = raw + ((1024 - (base & 1023)) & 1023) + shift;
          unsigned char* b = a + 64 * 128;
          const int t = threadIdx.x;
          for (int i = t; i < 80 * 64; i += 128) {  // rows 0-63 A, 64-79 B^T
            *(unsigned short*) (a + swizzled((i / 64) * 128 + (i % 64) * 2)) = in[i];
          }
          asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
          __syncthreads();
          const int warp = t >> 5, g = (t & 31) >> 2, q = t & 3;
          for (int step = 0; step < 4; step++) {
            float d[8];
            asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
            asm volatile("{\\n.reg .pred p;\\nsetp.ne.b32 p, %10, 0;\\n"
                "wgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5,"
                " %6, %7}, %8, %9, p, 1, 1, 0, 0;\\n}\\n"
                : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]),
                  "+f"(d[6]), "+f"(d[7])
                : "l"(desc(a + 32 * step)), "l"(desc(b + 32 * step)), "r"(0));
            asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
            asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
            for (int i = 0; i < 8; i++) {
              const int row = 16 * warp + g + 8 * ((i >> 1) & 1);
              const int col = 8 * (i >> 2) + 2 * q + (i & 1);
              out[(step * 64 + row) * 16 + col] = d[i];
            }
          }
        }
        """;
    ByteBuffer in = ByteBuffer.allocateDirect(2 * 80 * 64).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < 80; r++) {
      for (int k = 0; k < 64; k++) {
        float v = r < 64 ? (7 * r + 3 * k) % 199 + 1 : (k % 16 == r - 64 ? 1 : 0);
        in.putShort(2 * (r * 64 + k), (short) (Float.floatToIntBits(v) >>> 16)); // bf16, exact
      }
    }
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object k = gpu.load(new HostKernelCompiler().compile(src, gpu.device().arch(), "sw.cu"),
          List.of("sw")).get("sw");
      long dIn = gpu.alloc(in.capacity());
      long dOut = gpu.alloc(4L * 4 * 64 * 16);
      gpu.upload(dIn, in);
      gpu.launch(k, Dim3.of(1), Dim3.of(128), 0, new Object[] {dIn, dOut, 0});
      ByteBuffer out = ByteBuffer.allocateDirect(4 * 4 * 64 * 16).order(ByteOrder.LITTLE_ENDIAN);
      gpu.download(out, dOut);
      for (int step = 0; step < 4; step++) {
        for (int r = 0; r < 64; r++) {
          for (int n = 0; n < 16; n++) {
            assertEquals((7 * r + 3 * (16 * step + n)) % 199 + 1,
                out.getFloat(4 * ((step * 64 + r) * 16 + n)), "step " + step + " (" + r + ", "
                + n + ")");
          }
        }
      }
      EmberException e = assertThrows(EmberException.class, () -> {
        gpu.launch(k, Dim3.of(1), Dim3.of(128), 0, new Object[] {dIn, dOut, 128});
        gpu.synchronize();
      });
      assertEquals(ErrorCode.KERNEL_FAILED, e.code());
      assertTrue(e.getMessage().contains("first 128 bytes of a 1024-byte period"), e.getMessage());
    }
  }

  /**
   * A producer warp copies 8 rounds of 32 floats through a ring of two shared stages, each copy's
   * arrival on the stage's "full" barrier queued behind it; a consumer warp waits for each round's
   * phase (the parity flips every second round), reads the stage and releases it on its "empty"
   * barrier, which the producer waits for before reusing it. Copies land only when a waiter polls
   * here, so a consumer that skipped its wait never sees them (and its early releases leave the
   * producer waiting on phases that have already flipped back). A block whose threads all wait on
   * a phase nobody completes fails instead of hanging.
   */
  @Test
  void mbarrierPhasesOrderAProducersCopiesBeforeTheirConsumer() {
    assumeTrue(HostKernelCompiler.unavailableReason() == null,
        "no host compiler: " + HostKernelCompiler.unavailableReason());
    String src = """
        __device__ unsigned bar(unsigned long long* b) {
          return (unsigned) __cvta_generic_to_shared(b);
        }
        __device__ void wait(unsigned long long* b, unsigned parity) {
          unsigned done;
          do {
            asm volatile("{\\n.reg .pred p;\\n"
                "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\\n"
                "selp.u32 %0, 1, 0, p;\\n}\\n" : "=r"(done) : "r"(bar(b)), "r"(parity));
          } while (!done);
        }
        extern "C" __global__ void ring(const float* in, float* out, int hang) {
          __shared__ __align__(16) float stage[2][32];
          __shared__ __align__(8) unsigned long long full[2], empty[2];
          const int t = threadIdx.x;
          if (t == 0) {
            for (int i = 0; i < 2; i++) {
              asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" :: "r"(bar(&full[i])),
                  "r"(8));
              asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" :: "r"(bar(&empty[i])),
                  "r"(32));
            }
            asm volatile("fence.mbarrier_init.release.cluster;");
          }
          __syncthreads();
          if (hang) {
            wait(&full[0], 0);
            return;
          }
          if (t >= 32) {  // the producer: 8 lanes, 16 bytes each
            const int l = t - 32;
            if (l >= 8) return;
            for (int r = 0; r < 8; r++) {
              if (r >= 2) wait(&empty[r % 2], (r / 2 - 1) & 1);
              const unsigned d = (unsigned) __cvta_generic_to_shared(&stage[r % 2][4 * l]);
              asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" :: "r"(d),
                  "l"(in + 32 * r + 4 * l));
              asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];"
                  :: "r"(bar(&full[r % 2])));
            }
            asm volatile("cp.async.wait_all;");
            return;
          }
          for (int r = 0; r < 8; r++) {
            wait(&full[r % 2], (r / 2) & 1);
            out[32 * r + t] = stage[r % 2][t];
            asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" :: "r"(bar(&empty[r % 2])));
          }
        }
        """;
    ByteBuffer in = ByteBuffer.allocateDirect(4 * 256).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 256; i++) {
      in.putFloat(4 * i, i + 0.5f);
    }
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      Object k = gpu.load(new HostKernelCompiler().compile(src, gpu.device().arch(), "ring.cu"),
          List.of("ring")).get("ring");
      long dIn = gpu.alloc(4 * 256);
      long dOut = gpu.alloc(4 * 256);
      gpu.upload(dIn, in);
      gpu.launch(k, Dim3.of(2), Dim3.of(64), 0, new Object[] {dIn, dOut, 0});
      ByteBuffer out = ByteBuffer.allocateDirect(4 * 256).order(ByteOrder.LITTLE_ENDIAN);
      gpu.download(out, dOut);
      for (int i = 0; i < 256; i++) {
        assertEquals(i + 0.5f, out.getFloat(4 * i), "element " + i);
      }
      EmberException e = assertThrows(EmberException.class, () -> {
        gpu.launch(k, Dim3.of(1), Dim3.of(64), 0, new Object[] {dIn, dOut, 1});
        gpu.synchronize();
      });
      assertEquals(ErrorCode.KERNEL_FAILED, e.code());
      assertTrue(e.getMessage().contains("no arrival completes"), e.getMessage());
    }
  }

  @Test
  void aMisalignedCpAsyncFailsTheLaunchWithItsReason() {
    assumeTrue(HostKernelCompiler.unavailableReason() == null,
        "no host compiler: " + HostKernelCompiler.unavailableReason());
    String src = """
        extern "C" __global__ void copy(const float* src, float* out) {
          __shared__ __align__(16) float s[8];
          const unsigned d = (unsigned) __cvta_generic_to_shared(&s[0]);
          asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;"
              :: "r"(d), "l"(src + 1), "r"(16));
          asm volatile("cp.async.wait_all;");
          out[0] = s[0];
        }
        """;
    try (EmulatedDriver gpu = new EmulatedDriver()) {
      byte[] image = new HostKernelCompiler().compile(src, gpu.device().arch(), "copy.cu");
      Object k = gpu.load(image, List.of("copy")).get("copy");
      long buf = gpu.alloc(64);
      EmberException e = assertThrows(EmberException.class, () -> {
        gpu.launch(k, Dim3.of(1), Dim3.of(1), 0, new Object[] {buf, buf});
        gpu.synchronize();
      });
      assertEquals(ErrorCode.KERNEL_FAILED, e.code());
      assertTrue(e.getMessage().contains("not aligned to the copy size"), e.getMessage());
    }
  }

  private static String hex(int v) {
    return "0x" + Integer.toHexString(v);
  }
}
