package dev.ember.spark;

import dev.ember.spark.conf.CudaConf;
import dev.ember.spark.conf.EmberConf;
import java.util.List;
import java.util.Optional;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device this JVM's models run on, decided once per executor by {@link DeviceChoice}: by the
 * executor plugin at start, or at the first task's model load where no plugin runs. Tasks whose
 * own Spark {@code gpu} address names another device run there ({@link #forCurrentTask}).
 * Thread-safe.
 */
final class ExecutorDevice {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorDevice.class);

  private static volatile DeviceChoice.Decision decision;
  // The SparkEnv the decision was made in: a later SparkContext in this JVM (local mode, tests)
  // decides again under its own configuration.
  private static volatile SparkEnv decidedIn;

  private ExecutorDevice() {}

  /**
   * Decides this executor's device, logs it with the reason and remembers it.
   *
   * @param executorId Spark's executor id; {@code driver} in local mode
   * @param gpuAddresses the addresses of the executor's Spark {@code gpu} resource
   * @throws dev.ember.executor.errors.EmberException as {@link DeviceChoice#decide} does
   */
  static synchronized DeviceChoice.Decision decide(
      EmberConf conf, String executorId, List<String> gpuAddresses) {
    // Before any CUDA class loads: the backend reads it when it first loads NVRTC.
    conf.get(CudaConf.NVRTC_DIR).ifPresent(BackendFactory::useNvrtcDir);
    DeviceChoice.Request request = DeviceChoice.Request.from(conf);
    DeviceChoice.Decision d =
        DeviceChoice.decide(
            request, gpuAddresses, "driver".equals(executorId), BackendFactory::probe);
    decision = d;
    decidedIn = SparkEnv.get();
    LOG.info("Ember executor {} runs models on {}: {} (spark.ember.device={})", executorId,
        d.device(), d.reason(), request.mode());
    return d;
  }

  /** This executor's device, deciding it now (without Spark resources) if no plugin did. */
  static Device current() {
    DeviceChoice.Decision d = decision;
    SparkEnv env = SparkEnv.get();
    if (d == null || decidedIn != env) {
      synchronized (ExecutorDevice.class) {
        d = decision;
        if (d == null || decidedIn != env) {
          d = decide(EmberConf.from(env.conf()), env.executorId(), List.of());
        }
      }
    }
    return d.device();
  }

  /** The device for the calling task: its own {@code gpu} address where that differs. */
  static Device forCurrentTask() {
    return DeviceChoice.forTask(current(), taskGpuAddresses());
  }

  /** The CUDA ordinal in use, -1 on the CPU or before the decision (a metric gauge). */
  static int cudaOrdinal() {
    DeviceChoice.Decision d = decision;
    return d == null ? -1 : d.device().cudaOrdinal();
  }

  private static List<String> taskGpuAddresses() {
    TaskContext task = TaskContext.get();
    if (task == null) {
      return List.of();
    }
    return Optional.ofNullable(task.resourcesJMap().get("gpu"))
        .map(ResourceInformation::addresses)
        .map(List::of)
        .orElse(List.of());
  }
}
