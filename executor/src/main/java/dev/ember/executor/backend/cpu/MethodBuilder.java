package dev.ember.executor.backend.cpu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One generated static kernel method: its parameters (arrays and sizes, each with the expression
 * the caller passes) and its body. Every size is a parameter, even one known at compile time: then
 * kernels of equal structure have equal text whatever the shapes, so the code generator emits them
 * once (six transformer layers share one method per kernel kind) and variants that differ only in
 * batch or sequence length share one kernel library class, which the JIT compiles once for all of
 * them (see {@link KernelLibraries}).
 */
final class MethodBuilder {
  private final List<String> decls = new ArrayList<>();
  private final List<String> args = new ArrayList<>();
  private final Map<String, String> byArg = new LinkedHashMap<>();
  final JavaWriter body = new JavaWriter();

  /** A parameter of {@code type} passed as {@code argExpr}; equal arguments share one. */
  String param(String type, String argExpr) {
    String key = type + " " + argExpr;
    String name = byArg.get(key);
    if (name == null) {
      name = (type.endsWith("[]") ? "a" : "n") + decls.size();
      decls.add(type + " " + name);
      args.add(argExpr);
      byArg.put(key, name);
    }
    return name;
  }

  /**
   * An int parameter passed as {@code expr}. Literals get a parameter each, never shared by value:
   * whether two sizes happen to be equal must not change the method's text.
   */
  String size(String expr) {
    if (!isLiteral(expr)) {
      return param("int", expr);
    }
    String name = "n" + decls.size();
    decls.add("int " + name);
    args.add(expr);
    return name;
  }

  static boolean isLiteral(String expr) {
    return expr.matches("-?\\d+");
  }

  String signature(String name) {
    return "public static void " + name + "(" + String.join(", ", decls) + ")";
  }

  String call(String name) {
    return name + "(" + String.join(", ", args) + ");";
  }

  String paramList() {
    return String.join(", ", decls);
  }

  /** Product of int expressions, folding literals. */
  static String mul(String a, String b) {
    if (a.equals("0") || b.equals("0")) {
      return "0";
    }
    if (a.equals("1")) {
      return b;
    }
    if (b.equals("1")) {
      return a;
    }
    if (isLiteral(a) && isLiteral(b)) {
      return Long.toString(Long.parseLong(a) * Long.parseLong(b));
    }
    return "(" + a + " * " + b + ")";
  }
}
