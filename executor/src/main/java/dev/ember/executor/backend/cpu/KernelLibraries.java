package dev.ember.executor.backend.cpu;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The process's kernel library classes ({@code KernelLib_<hash>}, named by a hash of their
 * source), each defined once and shared by every variant whose kernels have that text. Variants
 * of one model at other batch or sequence lengths generate the same kernels (sizes are
 * arguments), so their first runs use code the JIT has already compiled instead of interpreting
 * each variant's own copy: this is what makes a warm start from the compile cache fast.
 *
 * <pre>{@code
 * KernelLibraries.Loader libs = KernelLibraries.of(JaninoCompiler.parentLoader());
 * libs.library(name, () -> JaninoCompiler.compileLibrary(name, source, 500)); // or saved bytes
 * Class<?> main = JaninoCompiler.define(variantClasses, mainName, libs);
 * }</pre>
 */
final class KernelLibraries {
  /** One loader per parent (Spark's user-jar loader, or Ember's own); kept for the process. */
  private static final Map<ClassLoader, Loader> BY_PARENT = new WeakHashMap<>();

  private KernelLibraries() {}

  /** The library loader whose classes see {@code parent}'s (Ember's runtime classes). */
  static synchronized Loader of(ClassLoader parent) {
    return BY_PARENT.computeIfAbsent(parent, Loader::new);
  }

  /** A library class's bytecode and its methods' bytecode sizes (empty when loaded from disk). */
  record Library(byte[] bytes, Map<String, Integer> methodSizes) {}

  /** Defines library classes from their bytes on first use; variant classes use it as parent. */
  static final class Loader extends ClassLoader {
    private final Map<String, Library> libraries = new ConcurrentHashMap<>();

    private Loader(ClassLoader parent) {
      super(parent);
    }

    /**
     * Library {@code name} (a binary class name), made by {@code make} (compiled, or read from a
     * cache entry) when this process has not seen it yet.
     */
    Library library(String name, Supplier<Library> make) {
      return libraries.computeIfAbsent(name, n -> make.get());
    }

    /** How many libraries this loader holds (tests check that variants share them). */
    int size() {
      return libraries.size();
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      Library lib = libraries.get(name);
      if (lib == null) {
        throw new ClassNotFoundException(name);
      }
      return defineClass(name, lib.bytes(), 0, lib.bytes().length);
    }
  }
}
