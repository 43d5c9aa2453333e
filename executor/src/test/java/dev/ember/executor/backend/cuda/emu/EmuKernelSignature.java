package dev.ember.executor.backend.cuda.emu;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code extern "C" __global__} kernel of generated CUDA C: its name and one letter per
 * parameter, as the runner and the driver pass arguments: {@code p} pointer, {@code l} 64-bit
 * integer, {@code i} 32-bit integer, {@code f} float.
 */
record EmuKernelSignature(String name, String letters) {
  private static final Pattern KERNEL = Pattern.compile(
      "extern\\s+\"C\"\\s+__global__\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s+)?void\\s+"
          + "(?:__launch_bounds__\\s*\\([^)]*\\)\\s+)?(\\w+)\\s*\\(([^)]*)\\)");
  private static final Set<String> QUALIFIERS =
      Set.of("const", "volatile", "__restrict__", "__restrict", "restrict");
  private static final Set<String> LONGS = Set.of("long long", "long long int",
      "unsigned long long", "unsigned long long int", "long", "unsigned long", "int64_t",
      "uint64_t", "size_t");
  private static final Set<String> INTS =
      Set.of("int", "unsigned", "unsigned int", "int32_t", "uint32_t");

  /** Every kernel in {@code source}, in source order. */
  static List<EmuKernelSignature> parseAll(String source, String program) {
    List<EmuKernelSignature> out = new ArrayList<>();
    Matcher m = KERNEL.matcher(source);
    while (m.find()) {
      out.add(parse(m.group(1), m.group(2), program));
    }
    return out;
  }

  private static EmuKernelSignature parse(String name, String params, String program) {
    StringBuilder letters = new StringBuilder();
    String trimmed = params.strip();
    if (trimmed.isEmpty() || trimmed.equals("void")) {
      return new EmuKernelSignature(name, "");
    }
    for (String param : trimmed.split(",")) {
      letters.append(letter(name, param.strip(), program));
    }
    return new EmuKernelSignature(name, letters.toString());
  }

  private static char letter(String kernel, String param, String program) {
    if (param.contains("*")) {
      return 'p';
    }
    List<String> words = new ArrayList<>(List.of(param.split("\\s+")));
    words.remove(words.size() - 1); // the parameter's name
    words.removeIf(QUALIFIERS::contains);
    String type = String.join(" ", words);
    if (LONGS.contains(type)) {
      return 'l';
    }
    if (INTS.contains(type)) {
      return 'i';
    }
    if (type.equals("float")) {
      return 'f';
    }
    throw Errors.of(ErrorCode.KERNEL_COMPILE_FAILED,
        "host emulator: parameter '" + param + "' of kernel '" + kernel + "' in " + program
            + " has type '" + type + "', which GpuDriver.launch cannot pass",
        "use a pointer, int, long long or float parameter");
  }

  /** The C++ call that unpacks {@code a[]} (raw 64-bit arguments) into this kernel's parameters. */
  String invoker(String function) {
    StringBuilder call = new StringBuilder();
    for (int i = 0; i < letters.length(); i++) {
      String a = "a[" + i + "]";
      call.append(i == 0 ? "" : ", ").append(switch (letters.charAt(i)) {
        case 'p' -> "EmuPtr{" + a + "}";
        case 'l' -> "(long long)" + a;
        case 'i' -> "(int)" + a;
        default -> "emu_f32(" + a + ")";
      });
    }
    return "static void " + function + "(const uint64_t* a) { emu_thread_begin(); " + name + "("
        + call + "); emu_thread_end(); }";
  }
}
