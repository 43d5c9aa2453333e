package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.spark.DeviceChoice.Decision;
import dev.ember.spark.DeviceChoice.Probe;
import dev.ember.spark.DeviceChoice.Prober;
import dev.ember.spark.DeviceChoice.Request;
import dev.ember.spark.conf.EmberConf;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {
  /** Records which ordinals were probed; devices below {@code count} are usable. */
  private static final class FakeProber implements Prober {
    final List<Integer> probed = new ArrayList<>();
    final int count;

    FakeProber(int count) {
      this.count = count;
    }

    @Override
    public Probe probe(int ordinal) {
      probed.add(ordinal);
      return ordinal < count
          ? new Probe(true, "Test GPU (sm_90)")
          : new Probe(false, "no CUDA device " + ordinal + " (" + count + " devices)");
    }
  }

  private static final FakeProber NO_CUDA = new FakeProber(0);

  private static Request req(String mode) {
    return new Request(mode, 3, 0);
  }

  @Test
  void cpuNeverProbes() {
    FakeProber p = new FakeProber(4);
    Decision d = DeviceChoice.decide(req("cpu"), List.of("0"), false, p);
    assertEquals(Device.CPU, d.device());
    assertEquals(List.of(), p.probed);
  }

  @Test
  void autoUsesTheAssignedGpuWhenCudaLoads() {
    FakeProber p = new FakeProber(4);
    Decision d = DeviceChoice.decide(req("auto"), List.of("2"), false, p);
    assertEquals(Device.cuda(2), d.device());
    assertEquals(List.of(2), p.probed);
    assertTrue(d.reason().contains("Spark gpu address 2"), d.reason());
  }

  @Test
  void autoFallsBackToTheCpuWithTheProbesReason() {
    Decision d = DeviceChoice.decide(req("auto"), List.of("0"), false, NO_CUDA);
    assertEquals(Device.CPU, d.device());
    assertEquals("CUDA device from Spark gpu address 0 is not usable: no CUDA device 0"
        + " (0 devices)", d.reason());
  }

  @Test
  void autoOnAClusterExecutorWithoutAGpuResourceStaysOnTheCpuWithoutProbing() {
    FakeProber p = new FakeProber(4);
    Decision d = DeviceChoice.decide(req("auto"), List.of(), false, p);
    assertEquals(Device.CPU, d.device());
    assertEquals(List.of(), p.probed);
    assertTrue(d.reason().startsWith("Spark assigned this executor no GPU"), d.reason());
  }

  @Test
  void autoInLocalModeProbesTheConfiguredOrdinal() {
    FakeProber p = new FakeProber(2);
    Decision d = DeviceChoice.decide(new Request("auto", 3, 1), List.of(), true, p);
    assertEquals(Device.cuda(1), d.device());
    assertTrue(d.reason().contains("spark.ember.cuda.deviceOrdinal=1 (local mode)"), d.reason());
    Decision none = DeviceChoice.decide(new Request("auto", 3, 1), List.of(), true, NO_CUDA);
    assertEquals(Device.CPU, none.device());
  }

  @Test
  void cudaWithoutAGpuResourceUsesTheConfiguredOrdinal() {
    Decision d = DeviceChoice.decide(new Request("cuda", 1, 0), List.of(), false, new FakeProber(1));
    assertEquals(Device.cuda(0), d.device());
  }

  @Test
  void severalAddressesTakeTheFirst() {
    Decision d = DeviceChoice.decide(req("cuda"), List.of("1", "0"), false, new FakeProber(2));
    assertEquals(Device.cuda(1), d.device());
    assertTrue(d.reason().contains("first of [1, 0]; one GPU per executor"), d.reason());
  }

  @Test
  void cudaWithoutUsableCudaIsDeviceUnavailableWithTheReason() {
    EmberException e =
        assertThrows(
            EmberException.class,
            () -> DeviceChoice.decide(req("cuda"), List.of("0"), false, NO_CUDA));
    assertEquals(ErrorCode.DEVICE_UNAVAILABLE, e.code());
    assertTrue(
        e.getMessage()
            .startsWith("DEVICE_UNAVAILABLE: spark.ember.device=cuda but CUDA device from Spark gpu"
                + " address 0 is not usable: no CUDA device 0 (0 devices)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("spark.ember.device=auto"), e.getMessage());
  }

  @Test
  void anAddressThatIsNoOrdinalIsNotUsable() {
    FakeProber p = new FakeProber(8);
    Decision d = DeviceChoice.decide(req("auto"), List.of("GPU-5f2c"), false, p);
    assertEquals(Device.CPU, d.device());
    assertTrue(d.reason().contains("not a CUDA device ordinal"), d.reason());
    assertEquals(List.of(), p.probed);
    EmberException e =
        assertThrows(
            EmberException.class,
            () -> DeviceChoice.decide(req("cuda"), List.of("GPU-5f2c"), false, p));
    assertEquals(ErrorCode.DEVICE_UNAVAILABLE, e.code());
  }

  @Test
  void cudaAtLevelTwoOrZeroIsBadConf() {
    for (int level : new int[] {0, 2}) {
      Request r = new Request("cuda", level, 0);
      EmberException e = assertThrows(EmberException.class, () -> DeviceChoice.checkConf(r));
      assertEquals(ErrorCode.BAD_CONF, e.code());
      assertThrows(
          EmberException.class,
          () -> DeviceChoice.decide(r, List.of("0"), false, new FakeProber(1)));
    }
    EmberException e =
        assertThrows(
            EmberException.class, () -> DeviceChoice.checkConf(new Request("cuda", 2, 0)));
    assertTrue(
        e.getMessage()
            .contains("level 2 compiles one symbolic-shape variant, which the cuda backend cannot"
                + " run; use 3 (default) or 1"),
        e.getMessage());
    DeviceChoice.checkConf(new Request("cuda", 3, 0)); // fine
    DeviceChoice.checkConf(new Request("auto", 2, 0)); // fine: auto falls back
  }

  @Test
  void autoAtLevelTwoFallsBackWithoutProbing() {
    FakeProber p = new FakeProber(1);
    Decision d = DeviceChoice.decide(new Request("auto", 2, 0), List.of("0"), false, p);
    assertEquals(Device.CPU, d.device());
    assertTrue(d.reason().startsWith("spark.ember.compile.level=2: level 2"), d.reason());
    assertEquals(List.of(), p.probed);
  }

  @Test
  void requestReadsTheConf() {
    EmberConf conf =
        EmberConf.from(
            Map.of(
                "spark.ember.device", "CUDA",
                "spark.ember.compile.level", "1",
                "spark.ember.cuda.deviceOrdinal", "2"));
    assertEquals(new Request("cuda", 1, 2), Request.from(conf));
  }

  @Test
  void aTaskOnAnotherGpuUsesItsOwnDevice() {
    assertEquals(Device.cuda(1), DeviceChoice.forTask(Device.cuda(0), List.of("1")));
    assertEquals(Device.cuda(0), DeviceChoice.forTask(Device.cuda(0), List.of("0")));
    assertEquals(Device.cuda(0), DeviceChoice.forTask(Device.cuda(0), List.of()));
    assertEquals(Device.cuda(0), DeviceChoice.forTask(Device.cuda(0), List.of("GPU-x")));
    assertEquals(Device.CPU, DeviceChoice.forTask(Device.CPU, List.of("1")));
  }

  @Test
  void ordinals() {
    assertEquals(0, DeviceChoice.ordinal("0"));
    assertEquals(12, DeviceChoice.ordinal(" 12 "));
    assertEquals(-1, DeviceChoice.ordinal("-1"));
    assertEquals(-1, DeviceChoice.ordinal(""));
    assertEquals(-1, DeviceChoice.ordinal("99999999999"));
  }

  @Test
  void devicesPrint() {
    assertEquals("cpu", Device.CPU.toString());
    assertEquals("cuda:3", Device.cuda(3).toString());
    assertThrows(IllegalArgumentException.class, () -> Device.cuda(-1));
  }
}
