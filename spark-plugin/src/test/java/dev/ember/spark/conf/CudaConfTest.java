package dev.ember.spark.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CudaConfTest {
  @Test
  void defaults() {
    EmberConf conf = EmberConf.defaults();
    assertEquals(0, conf.get(CudaConf.DEVICE_ORDINAL));
    assertEquals("auto", conf.get(CudaConf.GEMM));
    assertEquals("tf32", conf.get(CudaConf.GEMM_PRECISION));
    assertEquals(true, conf.get(CudaConf.GRAPHS));
    assertEquals(true, conf.get(CudaConf.GEMM_TUNING));
    assertEquals(4L << 30, conf.get(CudaConf.GRAPH_MEMORY));
    assertEquals(Optional.empty(), conf.get(CudaConf.NVRTC_DIR));
    assertEquals("4g", CudaConf.GRAPH_MEMORY.defaultString());
  }

  @Test
  void readsSetValues() {
    EmberConf conf =
        EmberConf.from(
            Map.of(
                "spark.ember.cuda.deviceOrdinal", "3",
                "spark.ember.cuda.gemm", "Generated",
                "spark.ember.cuda.gemmPrecision", "BF16",
                "spark.ember.cuda.graphs", "false",
                "spark.ember.cuda.gemmTuning", "FALSE",
                "spark.ember.cuda.graphMemory", "512m",
                "spark.ember.cuda.nvrtcDir", "/opt/nvrtc/lib"));
    assertEquals(3, conf.get(CudaConf.DEVICE_ORDINAL));
    assertEquals("generated", conf.get(CudaConf.GEMM));
    assertEquals("bf16", conf.get(CudaConf.GEMM_PRECISION));
    assertEquals(false, conf.get(CudaConf.GRAPHS));
    assertEquals(false, conf.get(CudaConf.GEMM_TUNING));
    assertEquals(512L << 20, conf.get(CudaConf.GRAPH_MEMORY));
    assertEquals(Optional.of("/opt/nvrtc/lib"), conf.get(CudaConf.NVRTC_DIR));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "0, 0",
    "1536, 1536",
    "1k, 1024",
    "2KB, 2048",
    "512m, 536870912",
    "4g, 4294967296",
    "' 4 gb ', 4294967296",
    "1t, 1099511627776",
  })
  void sizes(String raw, long bytes) {
    assertEquals(bytes, ByteSizes.parse(raw));
    assertEquals(bytes, ByteSizes.parse(ByteSizes.format(bytes))); // prints back to the same
  }

  @Test
  void sizesPrintInTheLargestExactUnit() {
    assertEquals("4g", ByteSizes.format(4L << 30));
    assertEquals("1536m", ByteSizes.format(1536L << 20));
    assertEquals("1000", ByteSizes.format(1000L));
    assertEquals("0", ByteSizes.format(0L));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "spark.ember.cuda.deviceOrdinal;-1;an integer >= 0",
        "spark.ember.cuda.gemm;cutlass;one of auto, cublas, generated (case-insensitive)",
        "spark.ember.cuda.gemmPrecision;fp8;one of tf32, fp32, fp16, bf16 (case-insensitive)",
        "spark.ember.cuda.graphs;on;true or false",
        "spark.ember.cuda.graphMemory;0;a positive size such as 512m or 4g",
        "spark.ember.cuda.graphMemory;4x;a positive size such as 512m or 4g",
        "spark.ember.cuda.graphMemory;1.5g;a positive size such as 512m or 4g",
        "spark.ember.cuda.graphMemory;99999999999t;a positive size such as 512m or 4g",
        "spark.ember.cuda.nvrtcDir;' ';a folder path",
      })
  void badValuesAreBadConf(String key, String raw, String allowed) {
    EmberException e = assertThrows(EmberException.class, () -> EmberConf.from(Map.of(key, raw)));
    assertEquals(ErrorCode.BAD_CONF, e.code());
    assertEquals(
        "BAD_CONF: " + key + " must be " + allowed + ", but was '" + raw + "'. Fix: set " + key
            + " to " + allowed,
        e.getMessage());
  }
}
