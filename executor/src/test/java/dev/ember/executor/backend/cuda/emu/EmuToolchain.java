package dev.ember.executor.backend.cuda.emu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * g++ and the build cache of the host emulator. Everything it builds lands in one temp folder,
 * named by the hash of what went in, so tests that compile the same source again (in this JVM or
 * the next) pay nothing. Files appear by atomic rename, so concurrent JVMs share the cache safely.
 */
final class EmuToolchain {
  static final String GXX = "g++";
  private static final String[] HEADERS = {"emu_abi.h", "emu_shim.h", "emu_ptx.h"};
  private static final Path CACHE =
      Path.of(System.getProperty("java.io.tmpdir"),
          "ember-gpu-emu-" + System.getProperty("user.name", "user"));
  private static volatile String unavailable;
  private static volatile boolean probed;

  private EmuToolchain() {}

  /** Null when g++ runs, else why not; the emulator's tests skip on a non-null answer. */
  static synchronized String unavailableReason() {
    if (!probed) {
      try {
        Result r = run(List.of(GXX, "--version"), CACHE.getParent());
        unavailable = r.exit == 0 ? null : "g++ --version exited with " + r.exit;
      } catch (UncheckedIOException e) {
        unavailable = "g++ is not on the PATH (" + e.getCause().getMessage() + ")";
      }
      probed = true;
    }
    return unavailable;
  }

  /** The folder holding the emulator's headers, written once per header version. */
  static Path includeDir() {
    StringBuilder all = new StringBuilder();
    for (String h : HEADERS) {
      all.append(resource(h));
    }
    Path dir = CACHE.resolve("include-" + hash(all.toString()).substring(0, 16));
    if (!Files.isDirectory(dir)) {
      for (String h : HEADERS) {
        publish(dir.resolve(h), resource(h).getBytes(StandardCharsets.UTF_8));
      }
    }
    return dir;
  }

  /** The runner executable, built on first use. */
  static Path runner() {
    String src = resource("emu_runner.cpp");
    Path inc = includeDir();
    Path exe = CACHE.resolve("runner-" + hash(src + inc).substring(0, 16));
    if (!Files.isExecutable(exe)) {
      Result r = compile(src, "emu_runner.cpp", exe,
          List.of("-O2", "-pthread", "-I" + inc), List.of("-ldl"));
      if (r.exit != 0) {
        throw new IllegalStateException("the emulator's runner does not compile:\n" + r.log);
      }
    }
    return exe;
  }

  /** Where a content-addressed file with this hash and suffix lives. */
  static Path cached(String hash, String suffix) {
    return CACHE.resolve(hash.substring(0, 32) + suffix);
  }

  /**
   * Compiles {@code source} (named {@code fileName} in messages) into {@code out}; on success the
   * output appears atomically. Returns g++'s exit code and log either way.
   */
  static Result compile(String source, String fileName, Path out, List<String> flags,
      List<String> libs) {
    try {
      Files.createDirectories(CACHE);
      Path work = Files.createTempDirectory(CACHE, "build-");
      try {
        Path src = work.resolve(fileName.replaceAll("[^\\w.-]", "_") + ".cpp");
        Files.writeString(src, source);
        Path tmp = work.resolve("out");
        List<String> cmd = new ArrayList<>(List.of(GXX, "-std=c++20"));
        cmd.addAll(flags);
        cmd.addAll(List.of("-o", tmp.toString(), src.toString()));
        cmd.addAll(libs);
        Result r = run(cmd, work);
        if (r.exit == 0) {
          Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        }
        return r;
      } finally {
        deleteTree(work);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build " + fileName + " in " + CACHE, e);
    }
  }

  /** Writes {@code bytes} to {@code path} unless it exists, atomically. */
  static void publish(Path path, byte[] bytes) {
    if (Files.exists(path)) {
      return;
    }
    try {
      Files.createDirectories(path.getParent());
      Path tmp = Files.createTempFile(path.getParent(), "part-", ".tmp");
      Files.write(tmp, bytes);
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  static String hash(String text) {
    return hash(text.getBytes(StandardCharsets.UTF_8));
  }

  static String hash(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  static String resource(String name) {
    try (InputStream in = EmuToolchain.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Result(int exit, String log) {}

  private static Result run(List<String> cmd, Path dir) {
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return new Result(-1, log + "\n(timed out)");
      }
      return new Result(p.exitValue(), log.strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + cmd.get(0), e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
