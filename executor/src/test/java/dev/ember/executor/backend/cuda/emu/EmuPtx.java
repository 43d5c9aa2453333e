package dev.ember.executor.backend.cuda.emu;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns each inline PTX statement of generated CUDA C ({@code asm volatile("..." : outs : ins)})
 * into a call of its host model in {@code emu_ptx.h}, so the emulator runs the tensor-core GEMMs:
 * {@code mma.sync} (m16n8k8 tf32, m16n8k16 f16/bf16), {@code cvt} to tf32, f16x2 and bf16x2, and
 * {@code cp.async} with its commit and wait, {@code ldmatrix} (x1, x2, x4, no transpose),
 * {@code wgmma.mma_async} (m64nNk16 with A from
 * shared-memory descriptors or from registers, B from a descriptor, scale-d given by the {@code
 * setp} idiom) with its fences, commit and wait, and the {@code mbarrier} a warp-specialised
 * pipeline waits on (init, arrive, a {@code try_wait.parity} poll given as a value by the {@code
 * selp} idiom, and {@code cp.async.mbarrier.arrive.noinc}) and {@code setmaxnreg} (its count
 * checked). Any other
 * PTX is refused with KERNEL_COMPILE_FAILED naming the instruction and its line.
 *
 * <p>The replacement keeps the statement's line count, so g++'s line numbers still point into the
 * generated source.
 *
 * <pre>{@code
 * asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(w) : "f"(x));   becomes   { (w) = emu_cvt_rna_tf32((x)); }
 * }</pre>
 */
final class EmuPtx {
  private static final Pattern ASM =
      Pattern.compile("\\b(?:asm|__asm__)\\s*(?:volatile\\s*|__volatile__\\s*)?\\(");
  private static final Pattern OPERAND_REF = Pattern.compile("%(\\d+)");
  private static final Pattern NUMBER = Pattern.compile("-?\\d+");
  private static final Pattern MMA = Pattern.compile(
      "mma\\.sync\\.aligned\\.(m16n8k8|m16n8k16)\\.row\\.col\\.f32\\.(tf32|f16|bf16)\\.\\2\\.f32");
  private static final Pattern CP_ASYNC =
      Pattern.compile("cp\\.async\\.(ca|cg)\\.shared\\.global");
  private static final Pattern CVT_PAIR = Pattern.compile("cvt\\.rn\\.(f16|bf16)x2\\.f32");
  private static final Pattern LDMATRIX =
      Pattern.compile("ldmatrix\\.sync\\.aligned\\.m8n8\\.x([124])\\.shared\\.b16");
  private static final Pattern WGMMA = Pattern.compile(
      "wgmma\\.mma_async\\.sync\\.aligned\\.m64n(\\d+)k16\\.f32\\.(f16|bf16)\\.\\2");
  /** {@code .reg .pred p; setp.ne.b32 p, x, 0;}: how a scale-d predicate is made from a value. */
  private static final Pattern PRED_DECL = Pattern.compile("\\.reg\\s+\\.pred\\s+(\\w+)");
  private static final Pattern PRED_SET =
      Pattern.compile("setp\\.ne\\.b32\\s+(\\w+)\\s*,\\s*(%\\d+)\\s*,\\s*0");

  private EmuPtx() {}

  /** {@code source} with every asm statement replaced by its model's call. */
  static String translate(String source, String program) {
    StringBuilder out = new StringBuilder();
    Matcher m = ASM.matcher(source);
    int from = 0;
    while (m.find(from)) {
      Statement st = Statement.parse(source, m.start(), m.end(), program);
      out.append(source, from, m.start());
      String call = st.call();
      long newlines = source.substring(m.start(), st.end()).chars().filter(c -> c == '\n').count();
      out.append(call).append("\n".repeat((int) newlines));
      from = st.end();
    }
    return out.append(source.substring(from)).toString();
  }

  /**
   * One asm statement of {@code program} at {@code line}: its PTX text and its operands' C
   * expressions, outputs first (as PTX numbers them); {@code end} is where the statement ends.
   */
  private record Statement(String ptx, List<String> operands, String program, int line,
      int end) {
    static Statement parse(String src, int start, int open, String program) {
      int line = (int) src.substring(0, start).chars().filter(c -> c == '\n').count() + 1;
      int close = matching(src, open - 1, program, line);
      List<String> sections = splitTopLevel(src.substring(open, close), ':');
      String ptx = literals(sections.get(0).strip(), program, line);
      List<String> operands = new ArrayList<>();
      for (int s = 1; s <= 2 && s < sections.size(); s++) { // outputs, then inputs
        operands.addAll(expressions(sections.get(s)));
      }
      int end = close + 1;
      while (end < src.length() && Character.isWhitespace(src.charAt(end))
          && src.charAt(end) != '\n') {
        end++;
      }
      if (end < src.length() && src.charAt(end) == ';') {
        end++;
      }
      return new Statement(ptx, operands, program, line, end);
    }

    /** The C++ statement that runs this PTX on the host. */
    String call() {
      String text = ptx.strip();
      if (text.startsWith("{") && text.endsWith("}")) {
        text = text.substring(1, text.length() - 1);
      }
      List<String> instructions = new ArrayList<>();
      for (String i : text.replace('\n', ' ').split(";")) {
        if (!i.isBlank()) {
          instructions.add(i.strip());
        }
      }
      if (instructions.size() == 3 && instructions.get(1).startsWith("mbarrier.try_wait")) {
        return tryWait(instructions);
      }
      if (instructions.size() == 3) {
        return predicatedWgmma(instructions);
      }
      if (instructions.size() != 1) {
        throw refused(instructions.isEmpty() ? "(empty)" : String.join("; ", instructions));
      }
      String instr = instructions.get(0);
      String op = instr.split("\\s+", 2)[0];
      List<String> args = instr.contains(" ") ? args(instr.split("\\s+", 2)[1]) : List.of();
      Matcher mma = MMA.matcher(op);
      if (mma.matches() && mma.group(1).equals(mma.group(2).equals("tf32") ? "m16n8k8"
          : "m16n8k16")) {
        return mmaCall(mma.group(2), args, instr);
      }
      Matcher cp = CP_ASYNC.matcher(op);
      if (cp.matches() && (args.size() == 3 || args.size() == 4)) {
        return "emu_cp_async(" + cp.group(1).equals("cg") + ", (unsigned)"
            + address(args.get(0), instr) + ", (const void*)" + address(args.get(1), instr)
            + ", " + ref(args.get(2), instr) + ", " + ref(args.get(args.size() - 1), instr)
            + ");";
      }
      Matcher ld = LDMATRIX.matcher(op);
      if (ld.matches() && args.size() == 2) {
        int count = Integer.parseInt(ld.group(1));
        List<String> d = registers(args.get(0), count, instr);
        StringBuilder out = new StringBuilder("{ unsigned emu_d[" + count + "]; emu_ldmatrix("
            + count + ", (unsigned)" + address(args.get(1), instr) + ", emu_d);");
        for (int i = 0; i < count; i++) {
          out.append(' ').append(d.get(i)).append(" = emu_d[").append(i).append("];");
        }
        return out.append(" }").toString();
      }
      Matcher pair = CVT_PAIR.matcher(op);
      if (pair.matches() && args.size() == 3) {
        return "{ " + ref(args.get(0), instr) + " = emu_cvt_rn_" + pair.group(1) + "x2("
            + ref(args.get(1), instr) + ", " + ref(args.get(2), instr) + "); }";
      }
      if (args.isEmpty()) {
        switch (op) {
          case "cp.async.commit_group":
            return "emu_cp_async_commit();";
          case "cp.async.wait_all":
            return "emu_cp_async_wait_all();";
          case "wgmma.commit_group.sync.aligned":
            return "emu_wgmma_commit();";
          // Every access runs in program order here: fences have nothing to order.
          case "wgmma.fence.sync.aligned", "fence.proxy.async.shared::cta",
              "fence.mbarrier_init.release.cluster":
            return ";";
          default:
            break;
        }
      }
      if (args.size() == 2 && op.equals("mbarrier.init.shared::cta.b64")) {
        return "emu_mbarrier_init((unsigned)" + address(args.get(0), instr) + ", "
            + ref(args.get(1), instr) + ");";
      }
      if (args.size() == 2 && args.get(0).equals("_")
          && op.equals("mbarrier.arrive.shared::cta.b64")) {
        return "emu_mbarrier_arrive((unsigned)" + address(args.get(1), instr) + ");";
      }
      if (args.size() == 1 && op.equals("cp.async.mbarrier.arrive.noinc.shared::cta.b64")) {
        return "emu_cp_async_mbarrier_arrive((unsigned)" + address(args.get(0), instr) + ");";
      }
      if (args.size() == 1 && (op.equals("setmaxnreg.inc.sync.aligned.u32")
          || op.equals("setmaxnreg.dec.sync.aligned.u32"))) {
        // Registers are the host's here; only the count's rule is checked.
        int n = Integer.parseInt(ref(args.get(0), instr));
        if (n < 24 || n > 256 || n % 8 != 0) {
          throw refused(instr + " (setmaxnreg takes a multiple of 8 from 24 to 256)");
        }
        return ";";
      }
      if (args.size() == 1 && op.equals("cp.async.wait_group")) {
        return "emu_cp_async_wait(" + ref(args.get(0), instr) + ");";
      }
      if (args.size() == 1 && op.equals("wgmma.wait_group.sync.aligned")) {
        return "emu_wgmma_wait(" + ref(args.get(0), instr) + ");";
      }
      if (op.equals("cvt.rna.tf32.f32") && args.size() == 2) {
        return "{ " + ref(args.get(0), instr) + " = emu_cvt_rna_tf32(" + ref(args.get(1), instr)
            + "); }";
      }
      throw refused(instr);
    }

    /**
     * {@code .reg .pred p; setp.ne.b32 p, %x, 0; wgmma.mma_async... {d}, da, db, p, sa, sb, ta,
     * tb;}: the idiom that passes scale-d as a predicate made from a value.
     */
    private String predicatedWgmma(List<String> instructions) {
      String all = String.join("; ", instructions);
      Matcher decl = PRED_DECL.matcher(instructions.get(0));
      Matcher set = PRED_SET.matcher(instructions.get(1));
      String instr = instructions.get(2);
      Matcher wg = WGMMA.matcher(instr.split("\\s+", 2)[0]);
      if (!decl.matches() || !set.matches() || !set.group(1).equals(decl.group(1))
          || !wg.matches()) {
        throw refused(all);
      }
      List<String> args = args(instr.split("\\s+", 2)[1]);
      int n = Integer.parseInt(wg.group(1));
      if (args.size() == 7 && args.get(1).startsWith("{") && args.get(3).equals(decl.group(1))) {
        // A from registers: {d}, {a0..a3}, db, p, scale-a, scale-b, trans-b
        List<String> d = registers(args.get(0), n / 2, all);
        return "{ float* const emu_d[" + d.size() + "] = {" + join(d, "&") + "};"
            + " const unsigned emu_a[4] = {" + join(registers(args.get(1), 4, all), "(unsigned)")
            + "}; emu_wgmma_rs(" + wg.group(2).equals("bf16") + ", " + n + ", emu_d, emu_a, "
            + ref(args.get(2), all) + ", " + ref(set.group(2), all) + " != 0, "
            + ref(args.get(4), all) + ", " + ref(args.get(5), all) + ", " + ref(args.get(6), all)
            + "); }";
      }
      if (args.size() != 8 || !args.get(3).equals(decl.group(1))) {
        throw refused(all);
      }
      List<String> d = registers(args.get(0), n / 2, all);
      return "{ float* const emu_d[" + d.size() + "] = {" + join(d, "&") + "}; emu_wgmma("
          + wg.group(2).equals("bf16") + ", " + n + ", emu_d, " + ref(args.get(1), all) + ", "
          + ref(args.get(2), all) + ", " + ref(set.group(2), all) + " != 0, "
          + ref(args.get(4), all) + ", " + ref(args.get(5), all) + ", " + ref(args.get(6), all)
          + ", " + ref(args.get(7), all) + "); }";
    }

    /**
     * {@code .reg .pred p; mbarrier.try_wait.parity.shared::cta.b64 p, [bar], parity; selp.u32
     * done, 1, 0, p;}: one poll of a barrier phase, its answer as a value for a C loop.
     */
    private String tryWait(List<String> instructions) {
      String all = String.join("; ", instructions);
      Matcher decl = PRED_DECL.matcher(instructions.get(0));
      String[] wait = instructions.get(1).split("\\s+", 2);
      String[] selp = instructions.get(2).split("\\s+", 2);
      if (!decl.matches() || !wait[0].equals("mbarrier.try_wait.parity.shared::cta.b64")
          || !selp[0].equals("selp.u32") || wait.length < 2 || selp.length < 2) {
        throw refused(all);
      }
      String p = decl.group(1);
      List<String> w = args(wait[1]);
      List<String> sel = args(selp[1]);
      if (w.size() != 3 || !w.get(0).equals(p) || sel.size() != 4 || !sel.get(1).equals("1")
          || !sel.get(2).equals("0") || !sel.get(3).equals(p)) {
        throw refused(all);
      }
      return "{ " + ref(sel.get(0), all) + " = emu_mbarrier_try_wait((unsigned)"
          + address(w.get(1), all) + ", " + ref(w.get(2), all) + "); }";
    }

    /** D, A, B, C as four braced register lists of 4, 4, 2 and 4 operands. */
    private String mmaCall(String type, List<String> groups, String instr) {
      if (groups.size() != 4) {
        throw refused(instr);
      }
      String kind = switch (type) {
        case "tf32" -> "EMU_MMA_TF32_M16N8K8";
        case "f16" -> "EMU_MMA_F16_M16N8K16";
        default -> "EMU_MMA_BF16_M16N8K16";
      };
      return "{ float* const emu_d[4] = {" + join(registers(groups.get(0), 4, instr), "&") + "};"
          + " const unsigned emu_a[4] = {"
          + join(registers(groups.get(1), 4, instr), "(unsigned)") + "};"
          + " const unsigned emu_b[2] = {"
          + join(registers(groups.get(2), 2, instr), "(unsigned)") + "};"
          + " const float emu_c[4] = {" + join(registers(groups.get(3), 4, instr), "(float)")
          + "};" + " emu_mma_sync(" + kind + ", emu_d, emu_a, emu_b, emu_c); }";
    }

    /** The expressions of a braced register list of exactly {@code count} operands. */
    private List<String> registers(String group, int count, String instr) {
      if (!group.startsWith("{") || !group.endsWith("}")) {
        throw refused(instr);
      }
      List<String> list = new ArrayList<>();
      for (String r : group.substring(1, group.length() - 1).split(",")) {
        list.add(ref(r, instr));
      }
      if (list.size() != count) {
        throw refused(instr + " (" + list.size() + " registers where " + count + " go)");
      }
      return list;
    }

    /** {@link #ref} of an address operand, written {@code [%N]} or {@code %N}. */
    private String address(String arg, String instr) {
      String a = arg.strip();
      return ref(a.startsWith("[") && a.endsWith("]") ? a.substring(1, a.length() - 1) : a,
          instr);
    }

    /** The C expression an argument names: {@code %N} is operand N, a number is itself. */
    private String ref(String arg, String instr) {
      String a = arg.strip();
      Matcher r = OPERAND_REF.matcher(a);
      if (r.matches()) {
        int n = Integer.parseInt(r.group(1));
        if (n >= operands.size()) {
          throw refused(instr + " (operand %" + n + " is not bound)");
        }
        return "(" + operands.get(n) + ")";
      }
      if (NUMBER.matcher(a).matches()) {
        return a;
      }
      throw refused(instr);
    }

    private EmberException refused(String instr) {
      return Errors.of(ErrorCode.KERNEL_COMPILE_FAILED,
          "host emulator has no model of this inline PTX (" + program + " line " + line + "): '"
              + instr + "'",
          "run it on a GPU; the emulator models mma.sync (m16n8k8 tf32, m16n8k16 f16/bf16),"
              + " cvt to tf32/f16x2/bf16x2, cp.async, ldmatrix (no .trans), wgmma.mma_async"
              + " (m64nNk16 f16/bf16, A from registers or shared memory, B from shared memory,"
              + " unswizzled or 128-byte swizzled) with their groups, mbarrier init, arrive,"
              + " try_wait.parity and cp.async.mbarrier.arrive.noinc, and setmaxnreg"
              + " (emu_ptx.h)");
    }
  }

  private static String join(List<String> exprs, String prefix) {
    StringBuilder s = new StringBuilder();
    for (String e : exprs) {
      s.append(s.isEmpty() ? "" : ", ").append(prefix).append(e);
    }
    return s.toString();
  }

  /** The instruction's comma-separated arguments, a braced list counting as one. */
  private static List<String> args(String text) {
    List<String> out = new ArrayList<>();
    for (String a : splitTopLevel(text, ',')) {
      if (!a.isBlank()) {
        out.add(a.strip());
      }
    }
    return out;
  }

  /** Each {@code "constraint"(expr)} of an operand list, as its expression. */
  private static List<String> expressions(String section) {
    List<String> out = new ArrayList<>();
    for (String part : splitTopLevel(section, ',')) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int open = p.indexOf('(', p.lastIndexOf('"') + 1);
      out.add(p.substring(open + 1, p.lastIndexOf(')')).strip());
    }
    return out;
  }

  /** Splits at {@code sep} outside strings and brackets. */
  private static List<String> splitTopLevel(String text, char sep) {
    List<Integer> at = new ArrayList<>();
    scan(text, 0, sep, at);
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int i : at) {
      out.add(text.substring(from, i));
      from = i + 1;
    }
    out.add(text.substring(from));
    return out;
  }

  /** The index of the parenthesis closing the one at {@code open}. */
  private static int matching(String src, int open, String program, int line) {
    int close = scan(src, open + 1, '\0', null);
    if (close < src.length() && src.charAt(close) == ')') {
      return close;
    }
    throw Errors.of(ErrorCode.KERNEL_COMPILE_FAILED,
        "host emulator: unbalanced asm statement in " + program + " line " + line,
        "this is an Ember code-generation bug: report it with the generated source");
  }

  /**
   * Walks {@code text} from {@code from}, outside string literals, adding to {@code seps} each
   * {@code sep} not inside brackets opened on the way; returns the index of the first bracket
   * that closes one opened before {@code from}, or the text's length.
   */
  private static int scan(String text, int from, char sep, List<Integer> seps) {
    int depth = 0;
    boolean inString = false;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        if (--depth < 0) {
          return i;
        }
      } else if (c == sep && depth == 0 && seps != null) {
        seps.add(i);
      }
    }
    return text.length();
  }

  /** The concatenated text of adjacent C string literals, escapes decoded. */
  private static String literals(String text, String program, int line) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      if (c != '"') {
        throw Errors.of(ErrorCode.KERNEL_COMPILE_FAILED,
            "host emulator: the asm template in " + program + " line " + line
                + " is not a string literal",
            "write the PTX as string literals");
      }
      for (i++; i < text.length() && text.charAt(i) != '"'; i++) {
        char d = text.charAt(i);
        if (d == '\\' && i + 1 < text.length()) {
          char e = text.charAt(++i);
          out.append(switch (e) {
            case 'n' -> '\n';
            case 't' -> '\t';
            default -> e;
          });
        } else {
          out.append(d);
        }
      }
      i++;
    }
    return out.toString();
  }
}
