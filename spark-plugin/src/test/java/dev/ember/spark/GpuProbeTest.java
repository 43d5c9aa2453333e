package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuProbeTest {
  @TempDir Path tmp;

  @Test
  void noDeviceNodeIsNotUsable() throws IOException {
    Path dev = Files.createDirectories(tmp.resolve("dev"));
    Files.createFile(dev.resolve("nvidiactl")); // the control node alone is no device
    GpuProbe.Result r = GpuProbe.probe(dev, List.of());
    assertFalse(r.usable());
    assertTrue(r.detail().contains("no NVIDIA device node"), r.detail());
  }

  @Test
  void deviceNodeWithoutDriverLibraryIsNotUsable() throws IOException {
    Path dev = Files.createDirectories(tmp.resolve("dev"));
    Files.createFile(dev.resolve("nvidia0"));
    Path lib = Files.createDirectories(tmp.resolve("lib"));
    GpuProbe.Result r = GpuProbe.probe(dev, List.of(lib));
    assertFalse(r.usable());
    assertTrue(r.detail().contains("libcuda.so.1"), r.detail());
  }

  @Test
  void deviceNodeAndDriverLibraryAreUsable() throws IOException {
    Path dev = Files.createDirectories(tmp.resolve("dev"));
    Files.createFile(dev.resolve("nvidia1"));
    Path lib = Files.createDirectories(tmp.resolve("lib"));
    Files.createFile(lib.resolve("libcuda.so.1"));
    GpuProbe.Result r = GpuProbe.probe(dev, List.of(tmp.resolve("missing"), lib));
    assertTrue(r.usable(), r.detail());
    assertTrue(r.detail().contains("[nvidia1]"), r.detail());
  }

  @Test
  void missingDevFolderIsNotUsable() {
    assertFalse(GpuProbe.probe(tmp.resolve("nothing"), List.of()).usable());
  }
}
