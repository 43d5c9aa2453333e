package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.cache.UserDirs;
import java.io.File;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** Where the compile cache goes when spark.ember.compile.cacheDir is unset. */
class EngineSettingsCacheDirTest {
  private static final UserDirs USER =
      new UserDirs(Path.of("/home/alice/.cache"), Path.of("/home/alice/.config"));

  @Test
  void withoutSparkLocalDirsTheCacheIsTheUsersOwnNotTmp() {
    SparkConf conf = new SparkConf(false);
    assertFalse(EngineSettings.localDirsConfigured(conf), "this test needs no SPARK_LOCAL_DIRS");
    File dir = EngineSettings.defaultCacheDir(conf, USER);
    assertEquals(new File("/home/alice/.cache/ember/compile-cache"), dir);
    String tmp = org.apache.spark.util.Utils.getConfiguredLocalDirs(conf)[0];
    assertFalse(dir.toPath().startsWith(tmp), dir + " lies in Spark's fallback " + tmp);
  }

  @Test
  void underTheConfiguredSparkLocalDir() {
    SparkConf conf = new SparkConf(false).set("spark.local.dir", "/data/spark,/data2/spark");
    assertTrue(EngineSettings.localDirsConfigured(conf));
    assertEquals(
        new File("/data/spark/ember-compile-cache"), EngineSettings.defaultCacheDir(conf, USER));
  }

  @Test
  void outsideTheFoldersSparkDeletesWhenTheApplicationEnds() {
    String perApp =
        "/data/worker/spark-0b1c2d3e-1111-2222-3333-444455556666"
            + "/executor-9a8b7c6d-1111-2222-3333-444455556666";
    SparkConf conf = new SparkConf(false).set("spark.local.dir", perApp);
    assertEquals(
        new File("/data/worker/ember-compile-cache"), EngineSettings.defaultCacheDir(conf, USER));
  }
}
