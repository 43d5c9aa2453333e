package dev.ember.executor.backend.cpu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One generated static kernel method: its parameters (arrays and runtime sizes, each with the
 * expression the caller passes) and its body. Sizes known at compile time are written into the
 * body as literals, so kernels of equal shape have equal text and the code generator emits them
 * once (six transformer layers share one method per kernel kind).
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

  /** An int expression usable in the body: a literal as is, anything else as a parameter. */
  String size(String expr) {
    return isLiteral(expr) ? expr : param("int", expr);
  }

  static boolean isLiteral(String expr) {
    return expr.matches("-?\\d+");
  }

  String signature(String name) {
    return "private static void " + name + "(" + String.join(", ", decls) + ")";
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
