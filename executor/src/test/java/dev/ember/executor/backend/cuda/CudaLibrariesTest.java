package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class CudaLibrariesTest {
  @Test
  void summaryKeepsTheFirstLineAndTheMissingLibrary() {
    // The shape of JCuda's LibUtils message when libJNvrtc's dependency is missing.
    String jcuda =
        String.join(
            "\n",
            "Error while loading native library \"JNvrtc-12.6.0-linux-x86_64\"",
            "Operating system name: Linux",
            "---(start of nested stack traces)---",
            "Stack trace from the attempt to load the library as a file:",
            "java.lang.UnsatisfiedLinkError: no JNvrtc-12.6.0-linux-x86_64 in java.library.path",
            "\tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2434)",
            "Stack trace from the attempt to load the library as a resource:",
            "java.lang.UnsatisfiedLinkError: /tmp/libJNvrtc-12.6.0-linux-x86_64.so: libnvrtc.so.12:"
                + " cannot open shared object file: No such file or directory",
            "---(end of nested stack traces)---");
    assertEquals(
        "Error while loading native library \"JNvrtc-12.6.0-linux-x86_64\" (libnvrtc.so.12:"
            + " cannot open shared object file: No such file or directory)",
        CudaLibraries.summary(new UnsatisfiedLinkError(jcuda)));
    assertEquals("plain", CudaLibraries.summary(new UnsatisfiedLinkError("plain")));
  }

  @Test
  void preloadRunsOnceAndSaysWhatItDid() {
    String first = CudaLibraries.preload();
    assertSame(first, CudaLibraries.preload());
  }
}
