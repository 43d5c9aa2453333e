package dev.ember.executor.backend.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.BackendPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime is optional: in a JVM without its jar, a model Ember compiles runs under {@code
 * auto} with no NoClassDefFoundError, and a model that needs ORT fails with DEPENDENCY_MISSING
 * naming the jar. Ember's classes are loaded afresh by a loader that hides ORT's.
 */
class WithoutOrtTest {
  /** Defines Ember's classes itself (so they link through it) and has no ai.onnxruntime. */
  static final class NoOrtLoader extends ClassLoader {
    NoOrtLoader(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      synchronized (getClassLoadingLock(name)) {
        if (name.startsWith("ai.onnxruntime.")) {
          throw new ClassNotFoundException(name + " (hidden: this JVM has no ONNX Runtime)");
        }
        if (!name.startsWith("dev.ember.")) {
          return super.loadClass(name, resolve);
        }
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          String file = name.replace('.', '/') + ".class";
          try (InputStream in = getParent().getResourceAsStream(file)) {
            if (in == null) {
              throw new ClassNotFoundException(name);
            }
            byte[] b = in.readAllBytes();
            c = defineClass(name, b, 0, b.length);
          } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
          }
        }
        return c;
      }
    }
  }

  @Test
  void withoutOrtAnEmberModelRunsAndAnOrtModelNamesTheJar() throws Exception {
    ClassLoader noOrt = new NoOrtLoader(WithoutOrtTest.class.getClassLoader());
    assertThrows(ClassNotFoundException.class,
        () -> Class.forName("ai.onnxruntime.OrtEnvironment", false, noOrt));
    Thread t = Thread.currentThread();
    ClassLoader before = t.getContextClassLoader();
    String report;
    t.setContextClassLoader(noOrt);
    try {
      @SuppressWarnings("unchecked")
      Callable<String> scenario = (Callable<String>) noOrt
          .loadClass(WithoutOrtScenario.class.getName()).getDeclaredConstructor().newInstance();
      report = scenario.call();
    } finally {
      t.setContextClassLoader(before);
    }
    String[] lines = report.split("\n", 2);
    assertEquals("interp true", lines[0], "the Ember model ran on Ember");
    assertTrue(lines[1].startsWith("DEPENDENCY_MISSING: ")
        && lines[1].contains(BackendPolicy.ORT_COORDINATES)
        && lines[1].contains("Ember lacks ReduceSumSquare"), lines[1]);
  }
}
