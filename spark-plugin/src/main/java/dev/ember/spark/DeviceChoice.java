package dev.ember.spark;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.spark.conf.CudaConf;
import dev.ember.spark.conf.EmberConf;
import java.util.List;

/**
 * Decides where an executor runs its models, from {@code spark.ember.device}, the compile level,
 * the GPU addresses Spark assigned and what a CUDA probe finds. Pure: the probe is passed in, so
 * every row of the decision table is testable without Spark or a GPU.
 *
 * <table>
 *   <caption>Decisions</caption>
 *   <tr><th>device</th><th>situation</th><th>result</th></tr>
 *   <tr><td>cpu</td><td>any</td><td>CPU (CUDA is never probed)</td></tr>
 *   <tr><td>cuda</td><td>compile level 0 or 2</td><td>BAD_CONF</td></tr>
 *   <tr><td>auto</td><td>compile level 0 or 2</td><td>CPU, with the reason</td></tr>
 *   <tr><td>auto</td><td>cluster executor without a {@code gpu} resource</td><td>CPU</td></tr>
 *   <tr><td>any but cpu</td><td>GPU address, or local mode / cuda: deviceOrdinal; probe usable
 *       </td><td>that CUDA device</td></tr>
 *   <tr><td>auto</td><td>probe unusable, or address not an ordinal</td><td>CPU, with the
 *       reason</td></tr>
 *   <tr><td>cuda</td><td>probe unusable, or address not an ordinal</td><td>DEVICE_UNAVAILABLE
 *       </td></tr>
 * </table>
 *
 * <p>One GPU per executor is the supported shape: with several addresses the first is used.
 *
 * <p>This is the executor's device. On a CUDA device each model variant is then placed on its own
 * graph ({@link BackendFactory#backend}): under {@code auto}, ops without CUDA kernels run on the
 * host between device steps, or the whole variant on the CPU where those copies would cost more
 * or shapes are not static; under {@code cuda} such a variant is refused with UNSUPPORTED_OP
 * naming the ops.
 */
public final class DeviceChoice {
  private DeviceChoice() {}

  /** What a CUDA probe found for one device: usable or not, and a sentence for logs. */
  public record Probe(boolean usable, String detail) {}

  /** Probes CUDA device {@code ordinal}; must not throw. */
  @FunctionalInterface
  public interface Prober {
    Probe probe(int ordinal);
  }

  /** The device chosen and a sentence saying why, for the executor's log. */
  public record Decision(Device device, String reason) {}

  /** The settings the decision reads. */
  public record Request(String mode, int level, int confOrdinal) {
    public static Request from(EmberConf conf) {
      return new Request(
          conf.get(EmberConf.DEVICE),
          conf.get(EmberConf.COMPILE_LEVEL),
          conf.get(CudaConf.DEVICE_ORDINAL));
    }
  }

  /**
   * Fails on settings that can never run on CUDA ({@code cuda} with compile level 0 or 2); the
   * driver plugin calls it at startup.
   *
   * @throws dev.ember.executor.errors.EmberException BAD_CONF
   */
  public static void checkConf(Request r) {
    String problem = levelProblem(r.level());
    if (r.mode().equals("cuda") && problem != null) {
      throw Errors.of(ErrorCode.BAD_CONF,
          "spark.ember.device=cuda with spark.ember.compile.level=" + r.level() + ": " + problem,
          "set spark.ember.compile.level to 3 (default) or 1, or spark.ember.device to auto or"
              + " cpu");
    }
  }

  /**
   * Where an executor runs its models.
   *
   * @param gpuAddresses the addresses of the executor's Spark {@code gpu} resource; empty if none
   * @param localMode whether the executor is the local-mode driver, to which Spark never assigns
   *     resources
   * @throws dev.ember.executor.errors.EmberException BAD_CONF as {@link #checkConf} does;
   *     DEVICE_UNAVAILABLE for {@code cuda} when the device is not usable, with the reason
   */
  public static Decision decide(
      Request r, List<String> gpuAddresses, boolean localMode, Prober prober) {
    if (r.mode().equals("cpu")) {
      return new Decision(Device.CPU, "spark.ember.device=cpu");
    }
    checkConf(r);
    String problem = levelProblem(r.level());
    if (problem != null) {
      return new Decision(Device.CPU, "spark.ember.compile.level=" + r.level() + ": " + problem);
    }
    int ordinal;
    String source;
    if (!gpuAddresses.isEmpty()) {
      String first = gpuAddresses.get(0);
      source = "Spark gpu address " + first;
      if (gpuAddresses.size() > 1) {
        source += " (first of " + gpuAddresses + "; one GPU per executor is supported)";
      }
      ordinal = ordinal(first);
      if (ordinal < 0) {
        return unusable(r, source, "the address is not a CUDA device ordinal");
      }
    } else if (r.mode().equals("auto") && !localMode) {
      return new Decision(Device.CPU, "Spark assigned this executor no GPU (set"
          + " spark.executor.resource.gpu.amount=1 and spark.task.resource.gpu.amount)");
    } else {
      ordinal = r.confOrdinal();
      source = "spark.ember.cuda.deviceOrdinal=" + ordinal
          + (localMode ? " (local mode)" : " (Spark assigned this executor no GPU)");
    }
    Probe probe = prober.probe(ordinal);
    if (!probe.usable()) {
      return unusable(r, source, probe.detail());
    }
    return new Decision(Device.cuda(ordinal), "CUDA device " + ordinal + " from " + source
        + ": " + probe.detail());
  }

  /**
   * The device a task runs on: its own Spark {@code gpu} address when that names another CUDA
   * device than the executor's (each device gets its own engine and CUDA context), else the
   * executor's device. A CPU executor stays on the CPU.
   */
  public static Device forTask(Device executorDevice, List<String> taskGpuAddresses) {
    if (!executorDevice.isCuda() || taskGpuAddresses.isEmpty()) {
      return executorDevice;
    }
    int ordinal = ordinal(taskGpuAddresses.get(0));
    return ordinal < 0 || ordinal == executorDevice.cudaOrdinal()
        ? executorDevice
        : Device.cuda(ordinal);
  }

  private static Decision unusable(Request r, String source, String why) {
    String what = "CUDA device from " + source + " is not usable: " + why;
    if (r.mode().equals("cuda")) {
      throw Errors.of(ErrorCode.DEVICE_UNAVAILABLE, "spark.ember.device=cuda but " + what,
          "run the executors on nodes with an NVIDIA GPU, its driver and CUDA 12 NVRTC"
              + " (spark.ember.cuda.nvrtcDir), or set spark.ember.device=auto (falls back to the"
              + " CPU) or cpu");
    }
    return new Decision(Device.CPU, what);
  }

  /** Why models at this compile level cannot run on CUDA, or null when they can. */
  private static String levelProblem(int level) {
    return switch (level) {
      case 0 -> "level 0 runs the reference interpreter, which runs on the CPU only; use 3"
          + " (default) or 1";
      case 2 -> "level 2 compiles one symbolic-shape variant, which the cuda backend cannot run;"
          + " use 3 (default) or 1";
      default -> null;
    };
  }

  /** The CUDA ordinal a Spark GPU address names, or -1 when it is not a small whole number. */
  static int ordinal(String address) {
    String a = address.trim();
    if (a.isEmpty() || a.length() > 4 || !a.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Integer.parseInt(a);
  }
}
