package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.CublasGemm;
import dev.ember.executor.backend.cuda.CudaAvailability;
import dev.ember.executor.backend.cuda.CudaBackend;
import dev.ember.executor.backend.cuda.CudaDevice;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.backend.cuda.JCudaDriver;
import dev.ember.executor.backend.cuda.WgmmaGemm;
import dev.ember.executor.dispatch.InMemoryVariantStore;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.onnx.OnnxLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The device check of the CUDA backend, run by {@code bin/lib/gpu-check run OUT} on a machine with
 * a GPU and no build tools: probe the device (no device: write why and exit 0), then (a) every
 * ONNX node test the backend takes against the interpreter, (b) the MiniLM architecture with
 * regenerated weights ({@link ModelSkeleton}) per GEMM precision against the interpreter, (c)
 * throughput over the pre-tokenized corpus ({@link Throughput}), (d) TFLOP/s of the generated
 * GEMMs and (e) where one forward's time goes ({@link Profile}): the rows the targets read first,
 * so a run cut short by its timeout loses the diagnostics rather than them. Results go to {@code
 * OUT/gpu-check.json} and {@code .md} after every section; a failing section is recorded and the
 * next one runs. GEMMs run as users get them, {@code spark.ember.cuda.gemm=auto} with tuning:
 * each shape takes the fastest route that agrees with the FP32 kernel, among the generated
 * tiles and, where {@code bin/lib/gpu-check} found a cuBLAS that {@link CublasCheck} vouched for,
 * cuBLAS. Sizes and the device come from a {@link CheckRig}: GPU 0 at {@link CheckSize#DEVICE}
 * here; {@code GpuCheckRehearsalTest} runs the same sections on the host emulator.
 *
 * <p>Usage: {@code GpuCheck OUT_DIR DATA_DIR NODE_TESTS_DIR} (DATA_DIR: what {@link GpuPrepare}
 * wrote). Exits 1 when a check failed, 0 otherwise.
 */
public final class GpuCheck {
  /**
   * System property: offer the experimental wgmma GEMMs (on float32 data, by a weight's 16-bit
   * copy, and on A copied into 16-bit rows by that copy) to the tuner ({@link CudaDevice#offer}),
   * which {@code bin/lib/gpu-check} sets only after {@link WgmmaCheck} ran all three without a
   * fault.
   */
  static final String OFFER_WGMMA = "ember.gpucheck.wgmma";

  /**
   * The experimental wgmma GEMMs, as {@link WgmmaCheck} measures them and the tuner may take
   * them: on float32 data, float32 A by a weight's 16-bit copy, A copied into 16-bit rows first.
   */
  static final List<CudaDevice.GemmFactory> WGMMA_GEMMS = List.of(WgmmaGemm::new,
      WgmmaGemm::onWeights, WgmmaGemm::onHalfRows);

  /**
   * System property: offer cuBLAS on 16-bit rows ({@link CublasGemm#onHalfRows}) to the tuner,
   * which {@code bin/lib/gpu-check} sets only after {@code CublasCheck OUT rows} agreed.
   */
  static final String OFFER_CUBLAS_ROWS = "ember.gpucheck.cublasRows";

  private GpuCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: GpuCheck OUT_DIR DATA_DIR NODE_TESTS_DIR");
      System.exit(2);
    }
    Results r = new Results(Path.of(args[0]));
    Path data = Path.of(args[1]);
    Path nodeTests = Path.of(args[2]);
    boolean ok = run(CheckRig.gpu(), r, data, nodeTests);
    r.put("passed", ok);
    r.save();
    r.progress(ok ? "gpu check done" : "gpu check done, with failures");
    System.exit(ok ? 0 : 1);
  }

  /** Every section on {@code rig}, its results in {@code r}; false when a check failed. */
  static boolean run(CheckRig rig, Results r, Path data, Path nodeTests) {
    CheckSize size = rig.size();
    r.put("java", System.getProperty("java.version"));
    r.put("cpus", Runtime.getRuntime().availableProcessors());
    r.progress("probing CUDA device 0");
    CudaAvailability a = rig.probe();
    Map<String, Object> probe = new LinkedHashMap<>();
    probe.put("usable", a.usable());
    probe.put("reason", a.reason());
    probe.put("devices", a.deviceCount());
    probe.put("name", a.deviceName());
    probe.put("arch", a.arch());
    probe.put("nvrtc", a.nvrtcVersion());
    String cublas = CublasGemm.unavailableReason();
    probe.put("cublas", cublas == null ? "loads" : cublas);
    r.put("probe", probe);
    r.progress("probe: " + a.reason());
    if (!a.usable()) {
      r.put("status", "no GPU: " + a.reason());
      r.markdown("No usable GPU: " + a.reason() + "\n\nNothing was measured.");
      r.save();
      return true; // nothing to check is not a failure: the prepared check is still sound
    }
    r.put("status", "ran");
    r.markdown("Device: " + a.reason() + "\n\ncuBLAS: " + (cublas == null ? "loads" : cublas)
        + "\n");
    r.save();
    boolean ok = true;
    CudaDevice device = rig.device();
    if (Boolean.getBoolean(OFFER_WGMMA)) { // set by bin/lib/gpu-check once WgmmaCheck passed
      WGMMA_GEMMS.forEach(device::offer);
      r.progress("the tuner may take the experimental wgmma GEMMs where they agree and are"
          + " faster");
    }
    r.put("wgmmaOffered", Boolean.getBoolean(OFFER_WGMMA));
    if (Boolean.getBoolean(OFFER_CUBLAS_ROWS)) { // set by bin/lib/gpu-check once it agreed
      device.offer((d, c, p) -> CublasGemm.onHalfRows((JCudaDriver) d, c, p));
      r.progress("the tuner may take cuBLAS on 16-bit rows where it agrees and is faster");
    }
    r.put("cublasRowsOffered", Boolean.getBoolean(OFFER_CUBLAS_ROWS));
    // Keyed by backend: each precision's program has its own attention kernel.
    InMemoryVariantStore store = new InMemoryVariantStore();

    try {
      r.progress("(a) node tests vs interpreter");
      List<NodeTestCheck.Outcome> outcomes =
          NodeTestCheck.run(new CudaBackend(device, size.options(GemmPrecision.FP32, false)),
              nodeTests);
      Map<String, Integer> counts = new TreeMap<>();
      StringBuilder failures = new StringBuilder();
      for (NodeTestCheck.Outcome o : outcomes) {
        counts.merge(o.status(), 1, Integer::sum);
        if (o.status().equals("failed")) {
          failures.append("- ").append(o.test()).append(" (").append(o.op()).append("): ")
              .append(o.detail()).append('\n');
        }
      }
      r.put("nodeTests", Map.of("counts", counts,
          "tests", outcomes.stream().map(NodeTestCheck.Outcome::toMap).toList()));
      r.markdown("## (a) ONNX node tests, device vs interpreter (rtol " + NodeTestCheck.RTOL
          + ", atol " + NodeTestCheck.ATOL + ", fp32 GEMM)\n\n" + counts + "\n\n" + failures);
      ok &= !counts.containsKey("failed") && counts.getOrDefault("passed", 0) > 0;
      r.progress("node tests: " + counts);
    } catch (Exception | LinkageError e) {
      ok = fail(r, "nodeTestsError", e);
    }
    r.save();

    Graph graph = null;
    List<long[]> ids = null;
    try {
      r.progress("loading the model skeleton and token ids");
      byte[] skeleton = Files.readAllBytes(data.resolve(GpuPrepare.SKELETON_FILE));
      // Pooled in the graph, as SentenceEmbedder runs it and as the torch reference pools.
      graph = Embed.pooled(OnnxLoader.load(ModelSkeleton.regenerate(skeleton),
          "minilm-skeleton").graph());
      ids = TokenIds.read(data.resolve(GpuPrepare.IDS_FILE));
      ids = ids.subList(0, Math.min(ids.size(), size.corpusSentences()));
      r.progress(ids.size() + " sentences, " + Embed.tokens(ids, Embed.corpusOrder(ids.size(),
          ids.size())) + " tokens");
    } catch (Exception e) {
      ok = fail(r, "inputsError", e);
    }

    if (graph != null) {
      try {
        r.progress("(b) MiniLM architecture, device vs interpreter on " + size.miniLmSentences()
            + " sentences");
        List<Map<String, Object>> rows = MiniLmCheck.run(device, size, graph, ids, store, r);
        r.put("miniLm", rows);
        StringBuilder md = new StringBuilder("## (b) MiniLM architecture (regenerated weights),"
            + " device vs interpreter, " + size.miniLmSentences() + " sentences\n\n"
            + "| precision | min cosine | mean cosine | target | passed |\n"
            + "|---|---|---|---|---|\n");
        for (Map<String, Object> row : rows) {
          md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n",
              row.get("precision"), row.get("minCosine"), row.get("meanCosine"),
              row.get("target"), row.containsKey("error") ? row.get("error") : row.get("passed")));
          ok &= !Boolean.FALSE.equals(row.get("passed"));
        }
        r.markdown(md.toString());
      } catch (Exception | LinkageError e) {
        ok = fail(r, "miniLmError", e);
      }
      r.save();
    }

    if (graph != null) {
      try {
        r.progress("(c) throughput over the corpus at level 3");
        List<Map<String, Object>> rows = Throughput.run(device, size, graph, ids, store, r);
        r.put("variants", Map.of("compiled", store.misses(), "loaded", store.hits()));
        StringBuilder md = new StringBuilder("## (c) Throughput, level 3 (capture sizes "
            + size.captureSizes() + ", seq buckets " + size.seqBuckets() + ")\n\n"
            + "| precision | graphs | batching | sentences/s | real tokens/s | padded/real"
            + " | best s/pass | device s/pass | host s/pass |\n"
            + "|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> row : rows) {
          if (row.containsKey("error")) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | error: %s | | | | | |%n",
                row.get("precision"), row.get("graphs"), row.get("batching"), row.get("error")));
            continue;
          }
          md.append(String.format(Locale.ROOT,
              "| %s | %s | %s | %.0f | %.0f | %.2f | %.3f | %.3f | %.3f |%n",
              row.get("precision"), row.get("graphs"), row.get("batching"),
              (Double) row.get("sentencesPerSecond"), (Double) row.get("realTokensPerSecond"),
              ((Long) row.get("paddedTokens")).doubleValue() / (Long) row.get("realTokens"),
              (Double) row.get("bestSeconds"), (Double) row.get("deviceSecondsPerPass"),
              (Double) row.get("hostSecondsPerPass")));
        }
        r.markdown(md.toString());
      } catch (Exception | LinkageError e) {
        ok = fail(r, "throughputError", e);
      }
      r.save();
    }

    try (GpuDriver driver = rig.openDriver()) {
      r.progress("(d) generated GEMM TFLOP/s");
      List<Map<String, Object>> rows = GemmTflops.run(rig, driver, r);
      r.put("gemmTflops", rows);
      StringBuilder md = new StringBuilder("## (d) Generated GEMM TFLOP/s per route"
          + " (* = the built-in rule's tile, + = the fastest that agrees, which the tuner"
          + " takes), error relative to the fp32 SIMT kernel\n\n"
          + "| gemm | shape | route | TFLOP/s | rel. error |\n|---|---|---|---|---|\n");
      for (Map<String, Object> row : rows) {
        Object v = row.containsKey("tflops")
            ? String.format(Locale.ROOT, "%.1f", (Double) row.get("tflops")) : row.get("skipped");
        Object err = row.containsKey("relError")
            ? String.format(Locale.ROOT, "%.1e%s", (Double) row.get("relError"),
                Boolean.TRUE.equals(row.get("passed")) ? "" : " FAILED") : "";
        md.append("| ").append(row.get("gemm")).append(" | ").append(row.get("shape"))
            .append(" | ").append(row.getOrDefault("route", ""))
            .append(Boolean.TRUE.equals(row.get("picked")) ? "*" : "")
            .append(Boolean.TRUE.equals(row.get("fastest")) ? "+" : "")
            .append(" | ").append(v).append(" | ").append(err).append(" |\n");
        ok &= !Boolean.FALSE.equals(row.get("passed"));
      }
      r.markdown(md.toString());
    } catch (Exception | LinkageError e) {
      ok = fail(r, "gemmError", e);
    }
    r.save();

    if (graph != null) {
      try {
        r.progress("(e) where the time goes, " + size.profileRows() + " x " + size.profileSeq());
        List<Map<String, Object>> rows = Profile.run(device, size, graph, ids, store, r);
        r.put("profile", rows);
        r.markdown(Profile.markdown(size, rows));
      } catch (Exception | LinkageError e) {
        ok = fail(r, "profileError", e);
      }
      r.save();
    }

    return ok;
  }

  private static boolean fail(Results r, String key, Throwable e) {
    java.io.StringWriter w = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(w));
    r.put(key, w.toString());
    r.markdown("**" + key + "**: " + e);
    r.progress(key + ": " + e);
    e.printStackTrace();
    return false;
  }
}
