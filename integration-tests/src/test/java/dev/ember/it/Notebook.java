package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/** A Jupyter notebook file read as JSON, and a headless run of one through nbconvert. */
final class Notebook {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  /** What .ci/run installs; the error names it. */
  static final String APT_PACKAGES = "jupyter-nbconvert python3-nbclient python3-ipykernel"
      + " jupyter-client python3-jpype python3-pandas python3-matplotlib fontconfig"
      + " fonts-dejavu-core";

  private final Path file;
  private final JsonNode json;

  private Notebook(Path file, JsonNode json) {
    this.file = file;
    this.json = json;
  }

  static Notebook read(Path file) {
    try {
      return new Notebook(file, new ObjectMapper().readTree(file.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read notebook " + file, e);
    }
  }

  /** The folder JUPYTER_PATH names: the generated Ember kernel lies under it. */
  static Path kernelPath() {
    return ItEnv.root().resolve("notebooks/kernel/target/jupyter");
  }

  /** Debian's jupyter (it runs Debian's python3, where nbclient and JPype are installed). */
  static String jupyter() {
    return Files.isExecutable(Path.of("/usr/bin/jupyter")) ? "/usr/bin/jupyter" : "jupyter";
  }

  static void requireJupyter() {
    try {
      Process p = new ProcessBuilder(jupyter(), "nbconvert", "--version")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return;
      }
      fail("jupyter nbconvert does not run: " + out + missing());
    } catch (IOException e) {
      fail("jupyter is not installed: " + e.getMessage() + missing());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String missing() {
    return "\nInstall what the notebook tests need (.ci/run does): apt-get install -y"
        + " --no-install-recommends " + APT_PACKAGES;
  }

  /**
   * Runs {@code notebook} top to bottom in a fresh kernel, writing the executed copy to
   * {@code outDir}; fails, with the end of nbconvert's log, when a cell fails or time runs out.
   */
  static Notebook execute(Path notebook, Path outDir, long minutes) throws Exception {
    Files.createDirectories(outDir);
    String name = notebook.getFileName().toString();
    Path log = outDir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(jupyter(), "nbconvert", "--to", "notebook", "--execute",
        "--ExecutePreprocessor.timeout=" + minutes * 60, "--output-dir", outDir.toString(),
        notebook.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("JUPYTER_PATH", kernelPath().toString());
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.remove("EMBER_MASTER"); // the tests run local mode
    Process p = pb.start();
    boolean done;
    try {
      done = p.waitFor(minutes, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      end(p); // the test gave up (its timeout): leave no kernel behind
      throw e;
    }
    if (!done) {
      end(p);
      NotebooksIT.failWith(name + " ran longer than " + minutes + " minutes", log);
    }
    if (p.exitValue() != 0) {
      NotebooksIT.failWith(name + " failed (nbconvert exit " + p.exitValue() + ")", log);
    }
    return read(outDir.resolve(name));
  }

  private static void end(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  private List<JsonNode> codeCells() {
    List<JsonNode> cells = new ArrayList<>();
    for (JsonNode c : json.path("cells")) {
      if ("code".equals(c.path("cell_type").asText())) {
        cells.add(c);
      }
    }
    return cells;
  }

  /** Every code cell ran (it has an execution count) and none shows an error. */
  void assertExecutedWithoutErrors(String context) {
    List<JsonNode> cells = codeCells();
    assertTrue(!cells.isEmpty(), context + ": no code cells in " + file);
    for (int i = 0; i < cells.size(); i++) {
      JsonNode c = cells.get(i);
      assertTrue(c.path("execution_count").isInt(),
          context + ": code cell " + (i + 1) + " has not been run");
      for (JsonNode o : c.path("outputs")) {
        if ("error".equals(o.path("output_type").asText())) {
          fail(context + ": code cell " + (i + 1) + " shows an error: "
              + o.path("ename").asText() + ": " + o.path("evalue").asText());
        }
      }
    }
    for (byte[] png : pngs()) {
      assertNotNull(decodePng(png), context + ": an image/png output does not decode");
    }
  }

  /**
   * Per code cell, the kinds of output it shows ({@code stdout}, {@code image/png},
   * {@code text/html}...), sorted: what a run of the same notebook must reproduce.
   */
  List<List<String>> outputKinds() {
    List<List<String>> kinds = new ArrayList<>();
    for (JsonNode c : codeCells()) {
      TreeSet<String> k = new TreeSet<>();
      for (JsonNode o : c.path("outputs")) {
        if ("stream".equals(o.path("output_type").asText())) {
          k.add(o.path("name").asText());
        } else {
          o.path("data").fieldNames().forEachRemaining(k::add);
        }
      }
      kinds.add(List.copyOf(k));
    }
    return kinds;
  }

  /** The bytes of every image/png output. */
  List<byte[]> pngs() {
    List<byte[]> out = new ArrayList<>();
    for (JsonNode c : codeCells()) {
      for (JsonNode o : c.path("outputs")) {
        JsonNode png = o.path("data").path("image/png");
        if (!png.isMissingNode()) {
          // nbformat stores it as one base64 string, possibly split into lines.
          String b64 = png.isArray() ? String.join("", toStrings(png)) : png.asText();
          out.add(Base64.getMimeDecoder().decode(b64));
        }
      }
    }
    return out;
  }

  private static List<String> toStrings(JsonNode array) {
    List<String> s = new ArrayList<>();
    array.forEach(n -> s.add(n.asText()));
    return s;
  }

  /** The image, or null when the bytes are not a PNG that decodes to a non-empty picture. */
  static BufferedImage decodePng(byte[] bytes) {
    if (bytes.length < PNG_SIGNATURE.length
        || !Arrays.equals(Arrays.copyOf(bytes, PNG_SIGNATURE.length), PNG_SIGNATURE)) {
      return null;
    }
    try {
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
      return img != null && img.getWidth() > 0 && img.getHeight() > 0 ? img : null;
    } catch (IOException e) {
      return null;
    }
  }
}
