package dev.ember.executor.backend.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class OpenBlasCoreCheckTest {
  private static final String AVX512 =
      "fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16";
  private static final String AVX2 = "fpu sse2 avx avx2 fma";

  @Test
  void aCoreWithoutAvx512PinnedOnAnAvx512CpuIsReportedWithTheFix() {
    String w = OpenBlasCoreCheck.warning("Haswell", AVX512).orElseThrow();
    assertTrue(w.contains("OPENBLAS_CORETYPE=Haswell"), w);
    assertTrue(w.contains("spark.executorEnv.OPENBLAS_CORETYPE=SkylakeX"), w);
  }

  @Test
  void nothingIsReportedWhenNothingIsLost() {
    assertEquals(Optional.empty(), OpenBlasCoreCheck.warning(null, AVX512), "unset");
    assertEquals(Optional.empty(), OpenBlasCoreCheck.warning(" ", AVX512), "blank");
    assertEquals(Optional.empty(), OpenBlasCoreCheck.warning("SkylakeX", AVX512), "AVX-512 core");
    assertEquals(Optional.empty(), OpenBlasCoreCheck.warning("COOPERLAKE", AVX512), "any case");
    assertEquals(Optional.empty(), OpenBlasCoreCheck.warning("Haswell", AVX2), "no AVX-512");
    assertEquals(Optional.empty(), OpenBlasCoreCheck.warning("Haswell", null), "no cpuinfo");
  }
}
