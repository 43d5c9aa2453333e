package dev.ember.it;

import java.util.List;

/**
 * How {@link StandaloneCluster} sizes and runs its workers, and who owns its processes.
 *
 * @param workers number of Worker JVMs
 * @param coresPerWorker cores each Worker offers
 * @param memoryPerWorkerMb memory each Worker offers; executors get all of it by default
 * @param fakeGpuAddresses GPU addresses each Worker offers through a discovery script that only
 *     prints them; empty for none
 * @param killOnExit whether a JVM shutdown hook ends the cluster with this JVM
 * @param owner the pid of the JVM that owns the processes, or {@code cli}; a later harness ends the
 *     processes of an owner pid that no longer runs
 */
public record ClusterOptions(
    int workers,
    int coresPerWorker,
    int memoryPerWorkerMb,
    List<String> fakeGpuAddresses,
    boolean killOnExit,
    String owner) {
  public ClusterOptions {
    fakeGpuAddresses = List.copyOf(fakeGpuAddresses);
  }

  /** Two workers of 1 core and 1.5 GB, no GPU, ended with this JVM. */
  public static ClusterOptions defaults() {
    return new ClusterOptions(
        2, 1, 1536, List.of(), true, Long.toString(ProcessHandle.current().pid()));
  }

  public ClusterOptions withWorkers(int n) {
    return new ClusterOptions(
        n, coresPerWorker, memoryPerWorkerMb, fakeGpuAddresses, killOnExit, owner);
  }

  public ClusterOptions withCores(int cores) {
    return new ClusterOptions(
        workers, cores, memoryPerWorkerMb, fakeGpuAddresses, killOnExit, owner);
  }

  public ClusterOptions withMemoryMb(int mb) {
    return new ClusterOptions(workers, coresPerWorker, mb, fakeGpuAddresses, killOnExit, owner);
  }

  /**
   * Each worker offers GPUs with these addresses ({@code spark.worker.resource.gpu.*}), found by a
   * script that only prints them: Spark's resource wiring on a machine without a GPU.
   */
  public ClusterOptions withFakeGpus(List<String> addresses) {
    return new ClusterOptions(
        workers, coresPerWorker, memoryPerWorkerMb, addresses, killOnExit, owner);
  }

  /**
   * The processes outlive this JVM ({@code bin/ember cluster up}); {@link StandaloneCluster#stop}
   * ends them.
   */
  public ClusterOptions detached() {
    return new ClusterOptions(
        workers, coresPerWorker, memoryPerWorkerMb, fakeGpuAddresses, false, "cli");
  }
}
