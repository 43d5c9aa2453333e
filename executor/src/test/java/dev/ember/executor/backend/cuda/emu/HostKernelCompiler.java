package dev.ember.executor.backend.cuda.emu;

import dev.ember.executor.backend.cuda.KernelCompiler;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compiles generated CUDA C for {@link EmulatedDriver}: prepends {@code emu_shim.h} (CUDA's
 * qualifiers, thread coordinates, barriers and shuffles mapped onto the runner's fibers), rewrites
 * {@code extern __shared__} arrays into the launch's dynamic shared memory, appends a table that
 * unpacks each kernel's arguments, and builds a shared object with {@code g++ -O1}. The image is
 * the shared object's bytes. Builds are cached by source hash (see {@link EmuToolchain}).
 *
 * <p>The architecture argument is ignored. Inline PTX ({@code asm}) becomes calls of its host
 * models ({@link EmuPtx}, {@code emu_ptx.h}): {@code mma.sync}, {@code cvt}, {@code cp.async} and
 * {@code wgmma.mma_async}, which the tensor-core GEMMs use; other PTX is refused with
 * KERNEL_COMPILE_FAILED.
 */
public final class HostKernelCompiler implements KernelCompiler {
  private static final Pattern DYNAMIC_SHARED =
      Pattern.compile("extern\\s+__shared__\\s+([^;\\[]*?)\\s*(\\w+)\\s*\\[\\s*\\]\\s*;");
  private static final Pattern ALIGN = Pattern.compile("__align__\\s*\\(\\s*\\d+\\s*\\)");
  private static final List<String> FLAGS =
      List.of("-O1", "-fPIC", "-shared", "-fno-strict-aliasing");

  /** Null when g++ is usable, else why not; tests skip on a non-null answer. */
  public static String unavailableReason() {
    return EmuToolchain.unavailableReason();
  }

  @Override
  public String name() {
    return "host-emulator";
  }

  @Override
  public byte[] compile(String source, String arch, String program) {
    String translated = EmuPtx.translate(source, program);
    List<EmuKernelSignature> kernels = EmuKernelSignature.parseAll(source, program);
    Path inc = EmuToolchain.includeDir();
    // Dynamic shared memory then lives in the module, where wgmma descriptors reach it.
    String dynamic = DYNAMIC_SHARED.matcher(source).find() ? "#define EMU_USES_DYNAMIC_SHARED 1\n"
        : "";
    String unit = dynamic + "#include \"emu_shim.h\"\n#line 1 \"" + program + "\"\n"
        + rewriteDynamicShared(translated) + "\n" + kernelTable(kernels);
    Path so = EmuToolchain.cached(EmuToolchain.hash(unit + inc + FLAGS), ".so");
    if (!Files.exists(so)) {
      List<String> flags = new ArrayList<>(FLAGS);
      flags.add("-I" + inc);
      EmuToolchain.Result r = EmuToolchain.compile(unit, program, so, flags, List.of());
      if (r.exit() != 0) {
        throw Errors.of(ErrorCode.KERNEL_COMPILE_FAILED,
            "host emulator: g++ could not compile " + program + ":\n" + r.log()
                + excerpt(source, r.log(), program),
            "this is an Ember code-generation bug (or CUDA C the emulator's shim lacks):"
                + " report it with the message");
      }
    }
    try {
      return Files.readAllBytes(so);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the built module " + so, e);
    }
  }

  /** Turns {@code extern __shared__ T name[];} into a pointer to the dynamic shared memory. */
  static String rewriteDynamicShared(String source) {
    Matcher m = DYNAMIC_SHARED.matcher(source);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String type = ALIGN.matcher(m.group(1)).replaceAll("").strip();
      // Keep the line count so that g++'s line numbers still point into the generated source.
      String newlines = "\n".repeat((int) m.group().chars().filter(c -> c == '\n').count());
      m.appendReplacement(out, Matcher.quoteReplacement(
          type + "* " + m.group(2) + " = (" + type + "*)EMU_DYNAMIC_SMEM;" + newlines));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String kernelTable(List<EmuKernelSignature> kernels) {
    StringBuilder s = new StringBuilder("// Kernel table for the emulator's runner.\n");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < kernels.size(); i++) {
      EmuKernelSignature k = kernels.get(i);
      s.append(k.invoker("emu_invoke_" + i)).append('\n');
      rows.append("  {\"").append(k.name()).append("\", \"").append(k.letters())
          .append("\", emu_invoke_").append(i).append("},\n");
    }
    return s + "static const EmuKernel emu_kernels[] = {\n" + rows
        + "  {nullptr, nullptr, nullptr}};\n"
        + "static void emu_attach(const EmuHost* h) { emu_host = h; }\n"
        + "static void emu_bind(const EmuThread* t) { emu_cur = t; }\n"
        + "extern \"C\" const EmuModule ember_emu_module = "
        + "{EMU_ABI_VERSION, emu_kernels, emu_attach, emu_bind};\n";
  }

  /** The generated lines g++'s errors point at, numbered, with two lines of context. */
  private static String excerpt(String source, String log, String program) {
    String[] lines = source.split("\n", -1);
    TreeSet<Integer> shown = new TreeSet<>();
    Matcher m = Pattern.compile(Pattern.quote(program) + ":(\\d+):\\d+: error").matcher(log);
    while (m.find() && shown.size() < 60) {
      int at = Integer.parseInt(m.group(1));
      for (int i = Math.max(1, at - 2); i <= Math.min(lines.length, at + 2); i++) {
        shown.add(i);
      }
    }
    StringBuilder out = new StringBuilder();
    for (int i : shown) {
      out.append(String.format("%n%6d| %s", i, lines[i - 1]));
    }
    return shown.isEmpty() ? "" : "\ngenerated source near the errors:" + out;
  }
}
