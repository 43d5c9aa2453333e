package dev.ember.executor.backend.cuda;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.nvrtc.JNvrtc;
import jcuda.nvrtc.nvrtcProgram;
import jcuda.nvrtc.nvrtcResult;

/**
 * NVRTC through JCuda: compiles generated CUDA C to a CUBIN for one architecture. Needs {@code
 * libnvrtc.so.12} (no GPU), which {@link CudaLibraries} finds; {@link #unavailableReason()} says
 * why it cannot load without throwing. Generated code includes no headers, since NVRTC ships none
 * for us.
 */
public final class Nvrtc implements KernelCompiler {
  private static final Pattern LOG_LINE = Pattern.compile("\\((\\d+)\\): (?:error|warning)");
  private static volatile String version;
  private static String failure; // a failed class init does not retry, and hides its cause later

  @Override
  public String name() {
    return "nvrtc-" + version();
  }

  /** NVRTC's version, e.g. "12.4"; throws DEVICE_UNAVAILABLE when the library does not load. */
  public static String version() {
    String v = version;
    if (v == null) {
      String why = unavailableReason();
      if (why != null) {
        throw Errors.of(ErrorCode.DEVICE_UNAVAILABLE, "NVRTC is not available: " + why,
            "run bin/ember fetch-nvrtc (or put CUDA 12's libnvrtc.so.12 on LD_LIBRARY_PATH),"
                + " or set spark.ember.device=cpu");
      }
      v = version;
    }
    return v;
  }

  /** Null when NVRTC loads and answers, else the reason; never throws. */
  public static synchronized String unavailableReason() {
    if (version != null || failure != null) {
      return failure;
    }
    String origin = CudaLibraries.preload(); // before JNvrtc's class init links libnvrtc.so.12
    try {
      int[] major = {0};
      int[] minor = {0};
      int rc = JNvrtc.nvrtcVersion(major, minor);
      if (rc != nvrtcResult.NVRTC_SUCCESS) {
        return "nvrtcVersion returned " + nvrtcResult.stringFor(rc);
      }
      version = major[0] + "." + minor[0];
      return null;
    } catch (LinkageError e) {
      failure = "JCuda's NVRTC binding did not load: " + CudaLibraries.summary(e) + "; " + origin;
      return failure;
    }
  }

  @Override
  public byte[] compile(String source, String arch, String program) {
    return build(source, arch, program, false).cubin();
  }

  /**
   * What ptxas reports compiling {@code source} ({@code -Xptxas=-v}): per kernel its registers,
   * stack frame and spills, and any performance note (such as wgmma instructions it serialised).
   */
  String resourceReport(String source, String arch, String program) {
    return build(source, arch, program, true).log();
  }

  private record Built(byte[] cubin, String log) {}

  private Built build(String source, String arch, String program, boolean verbose) {
    version();
    nvrtcProgram prog = new nvrtcProgram();
    check(JNvrtc.nvrtcCreateProgram(prog, source, program, 0, null, null), "create", program);
    try {
      List<String> options = new ArrayList<>(List.of("--gpu-architecture=" + arch,
          "-default-device", "--std=c++17", "-lineinfo"));
      if (verbose) {
        options.add("-Xptxas=-v");
      }
      String[] opts = options.toArray(String[]::new);
      int rc = JNvrtc.nvrtcCompileProgram(prog, opts.length, opts);
      if (rc != nvrtcResult.NVRTC_SUCCESS) {
        String log = log(prog);
        throw Errors.of(ErrorCode.KERNEL_COMPILE_FAILED,
            "NVRTC " + version + " could not compile " + program + " for " + arch + " ("
                + nvrtcResult.stringFor(rc) + "):\n" + log + excerpt(source, log),
            "this is an Ember code-generation bug: report it with the message; meanwhile set"
                + " spark.ember.device=cpu");
      }
      long[] size = {0};
      check(JNvrtc.nvrtcGetCUBINSize(prog, size), "get the CUBIN size of", program);
      byte[] cubin = new byte[(int) size[0]];
      check(JNvrtc.nvrtcGetCUBIN(prog, cubin), "get the CUBIN of", program);
      return new Built(cubin, verbose ? log(prog) : "");
    } finally {
      JNvrtc.nvrtcDestroyProgram(prog);
    }
  }

  private static String log(nvrtcProgram prog) {
    String[] log = {""};
    JNvrtc.nvrtcGetProgramLog(prog, log);
    return log[0] == null ? "" : log[0].strip();
  }

  /** The source lines the log points at, numbered, with two lines of context. */
  static String excerpt(String source, String log) {
    String[] lines = source.split("\n", -1);
    TreeSet<Integer> shown = new TreeSet<>();
    Matcher m = LOG_LINE.matcher(log);
    while (m.find() && shown.size() < 60) {
      int at = Integer.parseInt(m.group(1));
      for (int i = Math.max(1, at - 2); i <= Math.min(lines.length, at + 2); i++) {
        shown.add(i);
      }
    }
    if (shown.isEmpty()) {
      return "";
    }
    List<String> out = new ArrayList<>();
    int prev = -1;
    for (int i : shown) {
      if (prev >= 0 && i != prev + 1) {
        out.add("  ...");
      }
      out.add(String.format("%6d| %s", i, lines[i - 1]));
      prev = i;
    }
    return "\ngenerated source near the errors:\n" + String.join("\n", out);
  }

  private static void check(int rc, String what, String program) {
    if (rc != nvrtcResult.NVRTC_SUCCESS) {
      throw Errors.of(ErrorCode.KERNEL_COMPILE_FAILED,
          "NVRTC failed to " + what + " " + program + ": " + nvrtcResult.stringFor(rc),
          "check that libnvrtc.so.12 matches CUDA 12 and is not corrupted");
    }
  }
}
