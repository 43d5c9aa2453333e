package dev.ember.executor.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UserDirsTest {
  @Test
  void xdgFoldersWhenSetElseUnderHome() {
    UserDirs set =
        UserDirs.of(Map.of("XDG_CACHE_HOME", "/c", "XDG_CONFIG_HOME", "/k"), "/home/alice");
    assertEquals(Path.of("/c/ember/compile-cache"), set.compileCache());
    assertEquals(Path.of("/k/ember/cache-key"), set.cacheKeyFile());

    UserDirs unset = UserDirs.of(Map.of(), "/home/alice");
    assertEquals(Path.of("/home/alice/.cache/ember/compile-cache"), unset.compileCache());
    assertEquals(Path.of("/home/alice/.config/ember/cache-key"), unset.cacheKeyFile());
  }

  @Test
  void relativeOrEmptyXdgValuesAreIgnoredAsTheSpecSays() {
    UserDirs dirs =
        UserDirs.of(Map.of("XDG_CACHE_HOME", "tmp/cache", "XDG_CONFIG_HOME", ""), "/home/alice");
    assertEquals(Path.of("/home/alice/.cache"), dirs.cacheHome());
    assertEquals(Path.of("/home/alice/.config"), dirs.configHome());
  }
}
