package dev.ember.udfs.rapids;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * On a cluster without the RAPIDS jar (and Ember's jar never ships the stubs), the classes every
 * SQL query touches still load and link: only EmberRapidsFunction, built in RAPIDS mode alone,
 * needs RapidsUDF. Checked by loading Ember's SQL classes in a class loader that hides every
 * com.nvidia and ai.rapids class.
 */
class WithoutRapidsJarTest {

  /** Loads Ember's udfs classes itself (so their references resolve here) and hides RAPIDS. */
  private static ClassLoader withoutRapids() throws Exception {
    // The folder this build compiled udfs into (target/classes, or target/spark4/classes).
    Path classes = Path.of(dev.ember.spark.sql.ExtractEmberCalls.class.getProtectionDomain()
        .getCodeSource().getLocation().toURI());
    assertTrue(Files.isDirectory(classes.resolve("dev/ember/spark/sql")), "udfs classes");
    ClassLoader app = WithoutRapidsJarTest.class.getClassLoader();
    ClassLoader hiding = new ClassLoader(app) {
      @Override
      protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith("com.nvidia.") || name.startsWith("ai.rapids.")) {
          throw new ClassNotFoundException(name + " (hidden: no RAPIDS jar)");
        }
        return super.loadClass(name, resolve);
      }
    };
    return new URLClassLoader(new URL[] {classes.toUri().toURL()}, hiding) {
      @Override
      protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith("dev.ember.spark.sql.") && !name.startsWith("dev.ember.udfs.")) {
          return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
          Class<?> c = findLoadedClass(name);
          return c != null ? c : findClass(name);
        }
      }
    };
  }

  @Test
  void theSqlPlanningClassesLinkWithoutRapids() throws Exception {
    ClassLoader loader = withoutRapids();
    for (String name : new String[] {"dev.ember.spark.sql.ExtractEmberCalls$",
        "dev.ember.spark.sql.RapidsCalls$", "dev.ember.spark.sql.EmberRowFunction",
        "dev.ember.udfs.rapids.RapidsMode", "dev.ember.udfs.rapids.ColumnarTypes"}) {
      assertDoesNotThrow(() -> Class.forName(name, true, loader), name);
    }
  }

  @Test
  void theRapidsFunctionItselfNeedsTheJar() throws Exception {
    ClassLoader loader = withoutRapids();
    assertThrows(NoClassDefFoundError.class,
        () -> Class.forName("dev.ember.spark.sql.EmberRapidsFunction", true, loader));
  }
}
