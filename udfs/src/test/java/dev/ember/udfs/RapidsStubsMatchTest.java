package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Every public member of the rapids-stubs classes exists in the real rapids-4-spark jar with the
 * same signature, so code compiled against the stubs links against the jar. Runs in the
 * rapids-explain execution, where the real jar is on the class path and the stubs' classes are
 * read from their build folder through a class loader of their own.
 */
@EnabledIfSystemProperty(named = "ember.rapids.explain", matches = "true")
class RapidsStubsMatchTest {

  @Test
  void everyStubMemberIsInTheRealJar() throws Exception {
    Path dir = Path.of(System.getProperty("ember.rapids.stubs.dir"));
    assertTrue(Files.isDirectory(dir), "stubs not built at " + dir);
    List<String> names;
    try (Stream<Path> files = Files.walk(dir)) {
      names = files.map(p -> dir.relativize(p).toString())
          .filter(n -> n.endsWith(".class"))
          .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
          .sorted().collect(Collectors.toList());
    }
    assertTrue(names.contains("com.nvidia.spark.RapidsUDF"), names.toString());
    List<String> missing = new ArrayList<>();
    int checked = 0;
    try (URLClassLoader stubs = new URLClassLoader(new URL[] {dir.toUri().toURL()},
        ClassLoader.getPlatformClassLoader())) {
      for (String name : names) {
        Class<?> stub = stubs.loadClass(name);
        if (!Modifier.isPublic(stub.getModifiers())) {
          continue; // the stubs' own helpers
        }
        Class<?> real = Class.forName(name, false, getClass().getClassLoader());
        assertEquals(stub.isInterface(), real.isInterface(), name);
        if (stub.getSuperclass() != null && stub.getDeclaringClass() == null) {
          assertEquals(stub.getSuperclass().getName(), real.getSuperclass().getName(), name);
        }
        for (Method m : stub.getDeclaredMethods()) {
          if (Modifier.isPublic(m.getModifiers())) {
            checked++;
            if (!hasMethod(real, m)) {
              missing.add(name + "." + m.getName() + signature(m));
            }
          }
        }
        for (Constructor<?> c : stub.getDeclaredConstructors()) {
          if (Modifier.isPublic(c.getModifiers())) {
            checked++;
            if (Arrays.stream(real.getConstructors()).noneMatch(r -> sameParams(r, c))) {
              missing.add(name + ".<init>" + signature(c));
            }
          }
        }
      }
    }
    assertTrue(checked > 20, "checked " + checked + " members");
    assertEquals(List.of(), missing, "stub members missing from the RAPIDS jar");
  }

  private static boolean hasMethod(Class<?> real, Method stub) {
    for (Method m : real.getMethods()) {
      if (m.getName().equals(stub.getName()) && sameParams(m, stub)
          && m.getReturnType().getName().equals(stub.getReturnType().getName())
          && Modifier.isStatic(m.getModifiers()) == Modifier.isStatic(stub.getModifiers())) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameParams(Executable a, Executable b) {
    return signature(a).equals(signature(b));
  }

  private static String signature(Executable e) {
    return Arrays.stream(e.getParameterTypes()).map(Class::getName)
        .collect(Collectors.joining(",", "(", ")"));
  }
}
