package dev.ember.executor.cache;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The per-user folders of the XDG base directory spec, where Ember keeps what must not be shared
 * with other local users: the default compile cache (under the cache home) and the key that signs
 * its entries (under the config home, outside the cache so that a writer of the cache cannot read
 * or replace it).
 *
 * <pre>{@code
 * Path cache = UserDirs.current().compileCache(); // ~/.cache/ember/compile-cache
 * }</pre>
 *
 * @param cacheHome {@code $XDG_CACHE_HOME}, or {@code ~/.cache}
 * @param configHome {@code $XDG_CONFIG_HOME}, or {@code ~/.config}
 */
public record UserDirs(Path cacheHome, Path configHome) {
  public UserDirs {
    Objects.requireNonNull(cacheHome, "cacheHome");
    Objects.requireNonNull(configHome, "configHome");
  }

  /** The folders of the user running this JVM, from its environment. */
  public static UserDirs current() {
    return of(System.getenv(), System.getProperty("user.home"));
  }

  /** The folders given an environment and a home folder; relative XDG values are ignored. */
  static UserDirs of(Map<String, String> env, String home) {
    Path h = Path.of(home);
    return new UserDirs(
        xdg(env.get("XDG_CACHE_HOME"), h.resolve(".cache")),
        xdg(env.get("XDG_CONFIG_HOME"), h.resolve(".config")));
  }

  /** The default compile cache folder: {@code <cache home>/ember/compile-cache}. */
  public Path compileCache() {
    return cacheHome.resolve("ember").resolve("compile-cache");
  }

  /** The file holding the key that signs cache entries: {@code <config home>/ember/cache-key}. */
  public Path cacheKeyFile() {
    return configHome.resolve("ember").resolve("cache-key");
  }

  private static Path xdg(String value, Path fallback) {
    // The spec says a relative value is invalid and must be ignored.
    if (value == null || value.isEmpty() || !Path.of(value).isAbsolute()) {
      return fallback;
    }
    return Path.of(value);
  }
}
