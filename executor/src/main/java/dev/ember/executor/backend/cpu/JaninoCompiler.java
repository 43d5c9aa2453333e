package dev.ember.executor.backend.cpu;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.io.IOException;
import java.io.StringReader;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.codehaus.commons.compiler.CompileException;
import org.codehaus.janino.SimpleCompiler;
import org.codehaus.janino.util.ClassFile;

/**
 * Compiles generated source with Janino and defines classes from saved bytecode without it. On a
 * compile error the numbered source is logged (capped) and a KERNEL_COMPILE_FAILED error carries
 * Janino's location and message.
 */
public final class JaninoCompiler {
  private static final System.Logger LOG = System.getLogger(JaninoCompiler.class.getName());
  private static final AtomicLong COMPILATIONS = new AtomicLong();
  private static final AtomicLong LIBRARY_COMPILATIONS = new AtomicLong();

  /** The JIT skips methods above this many bytes of bytecode (HotSpot's HugeMethodLimit). */
  public static final int JIT_METHOD_LIMIT = 8000;

  private JaninoCompiler() {}

  /** Bytecode of every class, bytecode size of every method, and the loaded main class. */
  public record Compiled(
      Map<String, byte[]> classes, Map<String, Integer> methodSizes, Class<?> main) {}

  /** Variant classes Janino compiled in this process (tests check that loading skips it). */
  public static long compilations() {
    return COMPILATIONS.get();
  }

  /** How many kernel library classes Janino compiled in this process (one per distinct library). */
  public static long libraryCompilations() {
    return LIBRARY_COMPILATIONS.get();
  }

  /** Compiles {@code source}, whose public class is {@code dev.ember.generated.<className>}. */
  public static Compiled compile(String className, String source, int logMaxLines) {
    return compile(className, source, logMaxLines, parentLoader());
  }

  /** As {@link #compile(String, String, int)}, resolving other classes through {@code parent}. */
  static Compiled compile(String className, String source, int logMaxLines, ClassLoader parent) {
    COMPILATIONS.incrementAndGet();
    SimpleCompiler sc = cook(className, source, logMaxLines, parent);
    try {
      Class<?> main = sc.getClassLoader().loadClass("dev.ember.generated." + className);
      return new Compiled(new TreeMap<>(sc.getBytecodes()), methodSizes(sc), main);
    } catch (ClassNotFoundException e) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, "Janino compiled " + className + ".java but"
          + " produced no class " + className, "report this as an Ember bug", e);
    }
  }

  /** Compiles a kernel library class (no nested classes) into its bytecode, without loading it. */
  static KernelLibraries.Library compileLibrary(String className, String source, int logMaxLines) {
    LIBRARY_COMPILATIONS.incrementAndGet();
    SimpleCompiler sc = cook(className, source, logMaxLines, parentLoader());
    byte[] bytes = sc.getBytecodes().get("dev.ember.generated." + className);
    if (bytes == null || sc.getBytecodes().size() != 1) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, "Janino compiled " + className + ".java into "
          + sc.getBytecodes().keySet() + ", not one class " + className,
          "report this as an Ember bug");
    }
    return new KernelLibraries.Library(bytes, methodSizes(sc));
  }

  private static SimpleCompiler cook(
      String className, String source, int logMaxLines, ClassLoader parent) {
    SimpleCompiler sc = new SimpleCompiler();
    sc.setParentClassLoader(parent);
    sc.setDebuggingInformation(true, true, false);
    String file = className + ".java";
    try {
      sc.cook(file, new StringReader(source));
    } catch (CompileException e) {
      LOG.log(System.Logger.Level.ERROR, "Generated kernel " + file + " failed to compile:\n"
          + JavaWriter.numbered(source, logMaxLines));
      throw Errors.of(ErrorCode.KERNEL_COMPILE_FAILED,
          "generated kernel " + file + " failed to compile with Janino at "
              + e.getLocation() + ": " + e.getMessage(),
          "this is an Ember bug: report it with the numbered source logged at ERROR; meanwhile "
              + "run the model at compile level 0 (the interpreter)", e);
    } catch (IOException e) {
      throw Errors.of(ErrorCode.KERNEL_FAILED, "cannot read generated source " + file + ": " + e,
          "report this as an Ember bug", e);
    }
    return sc;
  }

  private static Map<String, Integer> methodSizes(SimpleCompiler sc) {
    Map<String, Integer> sizes = new TreeMap<>();
    for (ClassFile cf : sc.getClassFiles()) {
      for (ClassFile.MethodInfo mi : cf.methodInfos) {
        for (ClassFile.AttributeInfo ai : mi.getAttributes()) {
          if (ai instanceof ClassFile.CodeAttribute ca) {
            sizes.put(cf.getThisClassName() + "." + mi.getName(), ca.code.length);
          }
        }
      }
    }
    return sizes;
  }

  /** Defines saved classes (name to bytecode) and returns {@code mainName}; no Janino involved. */
  public static Class<?> define(Map<String, byte[]> classes, String mainName)
      throws ClassNotFoundException {
    return define(classes, mainName, parentLoader());
  }

  /** As {@link #define(Map, String)}, resolving other classes through {@code parent}. */
  static Class<?> define(Map<String, byte[]> classes, String mainName, ClassLoader parent)
      throws ClassNotFoundException {
    return new BytesLoader(parent, classes).loadClass(mainName);
  }

  /**
   * Janino resolves the classes generated code names through this loader. Spark puts user jars
   * on the thread's context loader, so use it when it sees Ember's runtime classes, else ours.
   */
  static ClassLoader parentLoader() {
    ClassLoader ctx = Thread.currentThread().getContextClassLoader();
    if (ctx != null) {
      try {
        if (Class.forName(CpuProgram.class.getName(), false, ctx) == CpuProgram.class) {
          return ctx;
        }
      } catch (ClassNotFoundException | LinkageError e) {
        // the context loader cannot see Ember: fall through to the backend's own loader
      }
    }
    return JaninoCompiler.class.getClassLoader();
  }

  /** Defines classes from bytes on first request. */
  private static final class BytesLoader extends ClassLoader {
    private final Map<String, byte[]> classes;

    BytesLoader(ClassLoader parent, Map<String, byte[]> classes) {
      super(parent);
      this.classes = classes;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      byte[] b = classes.get(name);
      if (b == null) {
        throw new ClassNotFoundException(name);
      }
      return defineClass(name, b, 0, b.length);
    }
  }
}
