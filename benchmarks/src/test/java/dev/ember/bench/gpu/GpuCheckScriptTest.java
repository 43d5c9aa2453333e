package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code bin/lib/gpu-check} picks the cuBLAS it hands to the device check ({@code
 * find_cublas}), with the machine's library list and the check's JVM stubbed: a {@code
 * libcublas.so.12} folder is taken as it is; CUDA 13's {@code .so.13} libraries are linked under
 * the {@code .so.12} names; either is kept only when CublasCheck exits 0. Also how a step's
 * timeout is cut to the run's budget ({@code step_limit}), and how Nsight Compute is run over
 * KernelProfile's parts ({@code ncu_profile}, with ncu stubbed).
 */
class GpuCheckScriptTest {
  @TempDir
  Path tmp;

  @Test
  void cuda13LibrariesAreLinkedAsTwelveAndKeptOnlyWhenTheCheckPasses() throws Exception {
    String libs = "/opt/cuda13/libcublas.so.13\n/opt/cuda13/libcublasLt.so.13\n";
    Path shim = tmp.resolve("cublas13-as-12");

    assertEquals(shim.toString(), findCublas(libs, 0));
    assertEquals(Path.of("/opt/cuda13/libcublas.so.13"),
        Files.readSymbolicLink(shim.resolve("libcublas.so.12")));
    assertEquals(Path.of("/opt/cuda13/libcublasLt.so.13"),
        Files.readSymbolicLink(shim.resolve("libcublasLt.so.12")));
    String ran = Files.readString(tmp.resolve("out/cublas-check.log"));
    assertTrue(ran.contains("LD=" + shim), ran);
    assertTrue(ran.contains("dev.ember.bench.gpu.CublasCheck"), ran);

    assertEquals("", findCublas(libs, 3), "a cuBLAS that does not load is not kept");
    assertEquals("", findCublas(libs, 1), "a cuBLAS that disagrees is not kept");
  }

  @Test
  void aTwelveFolderWinsAndNothingIsNoCublas() throws Exception {
    String libs = "/opt/cuda13/libcublas.so.13\n/opt/cuda13/libcublasLt.so.13\n"
        + "/site/nvidia/cublas/lib/libcublas.so.12\n";
    assertEquals("/site/nvidia/cublas/lib", findCublas(libs, 0));
    assertEquals("", findCublas("", 0));
    assertEquals("", findCublas("/opt/cuda13/libcublas.so.13\n", 0),
        "without libcublasLt.so.13 there is nothing to link");
  }

  @Test
  void aStepGetsWhatTheBudgetLeavesBeyondTheStepsAfterIt() throws Exception {
    assertEquals("300", stepLimit(0, "300 140"), "early: all it wants");
    int late = Integer.parseInt(stepLimit(200, "300 140"));
    assertTrue(late == 180 || late == 179, "520 - 200 - 140, give or take the clock: " + late);
    assertEquals("10", stepLimit(500, "90 10"), "out of time: 10 s to say so");
  }

  @Test
  void ncuProfilesEachPartOnItsOwnAndExportsBothPages() throws Exception {
    // The stub records how it was called; a run writes the report -o names, an import a page.
    Path ncu = executable(tmp.resolve("ncu"), """
        #!/bin/sh
        if [ "$1" = "--version" ]; then echo "Version 2025.3.1.0"; exit 0; fi
        if [ "$1" = "-i" ]; then echo "\\"ID\\" $2 $5"; exit 0; fi
        echo "$*" >>"$(dirname "$0")/ncu-calls"
        while [ "$1" != "-o" ]; do shift; done
        touch "$2.ncu-rep"
        echo "==ERROR== ERR_NVGPUCTRPERM - no counters here" >&2
        """);
    Path out = Files.createDirectories(tmp.resolve("out"));
    String status = sourced("NCU='" + ncu + "'\n"
        + "ncu_profile '" + tmp + "' '" + out + "' 200 true >/dev/null\n"
        + "cat '" + out.resolve("ncu/status") + "'\n");
    assertEquals("gemm: exit 0, no permission to the GPU's performance counters"
        + " (ERR_NVGPUCTRPERM)\nminilm: exit 0, no permission to the GPU's performance counters"
        + " (ERR_NVGPUCTRPERM)", status);
    List<String> calls = Files.readAllLines(tmp.resolve("ncu-calls"));
    assertEquals(2, calls.size(), calls.toString());
    for (String part : List.of("gemm", "minilm")) {
      String call = calls.get(part.equals("gemm") ? 0 : 1);
      assertTrue(call.contains("--profile-from-start off"), call);
      assertTrue(call.contains("-o " + out.resolve("ncu/" + part) + " "), call);
      assertTrue(call.contains("-Dember.gpucheck.wgmma=true"), call);
      assertTrue(call.endsWith("dev.ember.bench.gpu.KernelProfile " + out.resolve("ncu/" + part)
          + " " + RepoFiles.of(".gpu") + " " + part), call);
      assertEquals(part.equals("minilm"), call.contains("--launch-count 40"), call);
      assertEquals("\"ID\" " + out.resolve("ncu/" + part + ".ncu-rep") + " details",
          Files.readString(out.resolve("ncu/" + part + "-details.csv")).strip());
      assertTrue(Files.exists(out.resolve("ncu/" + part + "-raw.csv")));
    }

    assertEquals("gemm: not run: 20 s of the step's 20 s left\nminilm: not run: 20 s of the"
        + " step's 20 s left", sourced("NCU='" + ncu + "'\n"
        + "ncu_profile '" + tmp + "' '" + out + "' 20 false >/dev/null\n"
        + "cat '" + out.resolve("ncu/status") + "'\n"));
    assertEquals("not run: no ncu on this machine (set NCU to its path)", sourced(
        "unset NCU\nfind_ncu() { :; }\nncu_profile '" + tmp + "' '" + out + "' 200 false\n"
        + "cat '" + out.resolve("ncu/status") + "'\n"));
  }

  @Test
  void aSideCheckGetsItsOutputFolderThenItsArguments() throws Exception {
    executable(tmp.resolve("jre/bin/java"), "#!/bin/sh\necho \"$*\"\n");
    Path out = Files.createDirectories(tmp.resolve("out"));
    sourced("side_check '" + tmp + "' '" + out + "' CublasCheck cublas-rows-check 30 rows\n");
    String call = Files.readString(out.resolve("cublas-rows-check.log")).strip();
    assertTrue(call.endsWith("dev.ember.bench.gpu.CublasCheck " + out.resolve("cublas-rows-check")
        + " rows"), call);
  }

  /** {@code path} written with {@code text} and made executable. */
  private static Path executable(Path path, String text) throws Exception {
    Files.createDirectories(path.getParent());
    Files.writeString(path, text);
    Files.setPosixFilePermissions(path, Set.of(PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
    return path;
  }

  /** {@code step_limit ARGS} with the run started {@code ago} seconds before, budget 520 s. */
  private String stepLimit(int ago, String args) throws Exception {
    return sourced("unset EMBER_GPU_BUDGET\n"
        + "run_started=$(($(date +%s) - " + ago + "))\n"
        + "step_limit " + args + "\n");
  }

  /** {@code find_cublas}'s output with {@code libs} listed and the check's JVM exiting {@code rc}. */
  private String findCublas(String libs, int rc) throws Exception {
    executable(tmp.resolve("jre/bin/java"),
        "#!/bin/sh\necho \"LD=$LD_LIBRARY_PATH $*\"\nexit " + rc + "\n");
    Files.createDirectories(tmp.resolve("out"));
    Path listing = tmp.resolve("libs.txt");
    Files.writeString(listing, libs);
    return sourced("cublas_libraries() { cat '" + listing + "'; }\n"
        + "unset LD_LIBRARY_PATH\n"
        + "find_cublas '" + tmp + "' '" + tmp.resolve("out") + "'\n");
  }

  /** What {@code commands} print with the script's functions defined (its logs, on stderr, go). */
  private static String sourced(String commands) throws Exception {
    return RepoFiles.output(List.of("bash", "-c",
        "source '" + RepoFiles.of("bin/lib/gpu-check") + "'\n" + commands), false);
  }
}
