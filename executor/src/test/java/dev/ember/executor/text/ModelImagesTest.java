package dev.ember.executor.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.executor.cache.CompileCache;
import dev.ember.executor.ir.GraphPrinter;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelImages} on the int8 MiniLM (22 MB, a real export nobody here wrote): a model that
 * comes back from its image is the model its file gives, weights and digest included; a changed
 * file or a damaged image sends the load back to the file.
 */
class ModelImagesTest {
  private static final ModelSpec BUILTIN = ModelSpec.parse("builtin:all-minilm-l6-v2-q");
  private static byte[] bytes;
  private static OnnxModel reference;

  @TempDir Path dir;

  @BeforeAll
  static void readTheModelItself() {
    bytes = SpecFiles.readModel(BUILTIN, ModelFiles.local());
    reference = OnnxLoader.load(bytes, "q");
  }

  @Test
  void aBuiltinModelComesBackFromItsImageAsItsFileGivesIt() {
    CompileCache cache = CompileCache.open(dir.resolve("cache"));
    ModelImages images = ModelImages.in(cache);
    assertSameModel(images.load(BUILTIN, ModelFiles.local(), "q").model());
    ModelImages.awaitWrites();
    long hits = images.stats().hits();
    ModelImages.Loaded fromImage = images.load(BUILTIN, ModelFiles.local(), "q");
    assertEquals(hits + 1, images.stats().hits(), "the second load reads the image");
    assertEquals(0, cache.stats().hits() + cache.stats().misses(),
        "the variants' counts are not the images'");
    assertSameModel(fromImage.model());
    assertArrayEquals(bytes, fromImage.bytes().get(), "ONNX Runtime still gets the file's bytes");
  }

  @Test
  void aLocalFileIsReadOnceThenAgainWhenItChanges() throws IOException {
    Path model = Files.write(dir.resolve("model.onnx"), bytes);
    CountingFiles files = new CountingFiles();
    ModelSpec spec = ModelSpec.parse(model.toString());
    ModelImages images = ModelImages.in(CompileCache.open(dir.resolve("cache")));
    images.load(spec, files, "q");
    ModelImages.awaitWrites();
    assertEquals(1, files.reads.get());
    assertSameModel(images.load(spec, files, "q").model());
    assertEquals(1, files.reads.get(), "a model with an image is not read from its file");

    Files.setLastModifiedTime(model,
        FileTime.fromMillis(Files.getLastModifiedTime(model).toMillis() + 5_000));
    assertSameModel(images.load(spec, files, "q").model());
    assertEquals(2, files.reads.get(), "a file touched since its image was written is read");
  }

  @Test
  void aDamagedImageIsQuarantinedAndTheFileRead() throws IOException {
    Path model = Files.write(dir.resolve("model.onnx"), bytes);
    CountingFiles files = new CountingFiles();
    ModelSpec spec = ModelSpec.parse(model.toString());
    CompileCache cache = CompileCache.open(dir.resolve("cache"));
    ModelImages images = ModelImages.in(cache);
    images.load(spec, files, "q");
    ModelImages.awaitWrites();
    Path weights = onlyWeightFile(dir.resolve("cache"));
    byte[] w = Files.readAllBytes(weights);
    w[w.length / 2] ^= 1;
    Files.write(weights, w);

    assertSameModel(images.load(spec, files, "q").model());
    assertEquals(2, files.reads.get(), "the damaged image is not used");
    assertEquals(1, images.stats().quarantined());
    ModelImages.awaitWrites();
    assertSameModel(images.load(spec, files, "q").model());
    assertEquals(2, files.reads.get(), "the load that found it damaged wrote it again");
  }

  @AfterEach
  void writesEndBeforeTheFolderGoes() {
    ModelImages.awaitWrites();
  }

  @Test
  void imagesAreOffWithoutACache() {
    CountingFiles files = new CountingFiles();
    ModelImages images = ModelImages.in(CompileCache.disabled());
    ModelSpec spec = ModelSpec.parse(writeQuietly(dir.resolve("m.onnx")).toString());
    images.load(spec, files, "q");
    ModelImages.awaitWrites();
    images.load(spec, files, "q");
    assertEquals(2, files.reads.get(), "without a cache every load reads the file");
  }

  private static Path writeQuietly(Path p) {
    try {
      return Files.write(p, bytes);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path onlyWeightFile(Path cache) throws IOException {
    try (Stream<Path> s = Files.walk(cache)) {
      List<Path> found = s.filter(p -> p.getFileName().toString().equals("weights-0.bin"))
          .toList();
      assertEquals(1, found.size(), "one image with one weight file: " + found);
      return found.get(0);
    }
  }

  private static void assertSameModel(OnnxModel m) {
    assertEquals(reference.sha256(), m.sha256(), "the digest of the file, not of the image");
    assertEquals(GraphPrinter.print(reference.graph()), GraphPrinter.print(m.graph()));
    Map<String, Tensor> want = reference.graph().initializers();
    Map<String, Tensor> got = m.graph().initializers();
    assertEquals(want.keySet(), got.keySet());
    for (Map.Entry<String, Tensor> e : want.entrySet()) {
      Tensor g = got.get(e.getKey());
      assertEquals(e.getValue().type(), g.type(), e.getKey());
      Object a = e.getValue().rawData();
      Object b = g.rawData();
      if (a instanceof float[] f) {
        assertArrayEquals(f, (float[]) b, e.getKey());
      } else if (a instanceof long[] l) {
        assertArrayEquals(l, (long[]) b, e.getKey());
      } else {
        assertEquals(e.getValue(), g, e.getKey());
      }
    }
  }

  /** Local files, counting the model reads. */
  private static final class CountingFiles implements ModelFiles {
    final AtomicInteger reads = new AtomicInteger();

    @Override
    public boolean exists(String location) throws IOException {
      return ModelFiles.local().exists(location);
    }

    @Override
    public byte[] read(String location) throws IOException {
      reads.incrementAndGet();
      return ModelFiles.local().read(location);
    }

    @Override
    public Optional<String> stamp(String location) throws IOException {
      return ModelFiles.local().stamp(location);
    }
  }
}
