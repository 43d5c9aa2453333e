package dev.ember.executor.text;

import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.cache.CacheEntry;
import dev.ember.executor.cache.CacheKeyFactors;
import dev.ember.executor.cache.CacheStats;
import dev.ember.executor.cache.CompileCache;
import dev.ember.executor.dispatch.CachedVariantStore;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.onnx.ExternalData;
import dev.ember.executor.onnx.OnnxImage;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imported models kept in the compile cache, so that a warm executor does not read and parse the
 * ONNX file again: the model's {@link OnnxImage} (its graph parses in milliseconds, its weights
 * are raw bytes), found by the model file's {@link ModelFiles#stamp} (place, size, modification
 * time) without reading the file. On MiniLM (AMD EPYC, 2 cores) a warm load took 1.9-2.0 s with
 * its image against 2.4-2.5 s reading the model from its jar and parsing it; with the weight files
 * mapped rather than read (the cache maps large files), 0.9-1.2 s, most of it the sha256 of the
 * mapped 87 MB (0.35 s) and decoding them into fresh heap arrays (first touches of fresh memory
 * cost about 3 ms per MB on that VM).
 *
 * <p>The entry is a cache entry like a variant's: owner-only, every file checked against the
 * HMAC-signed manifest when read, a damaged one quarantined and the model read from its file. It
 * holds the original file's sha256, so the variants' cache keys are those of the file itself. The
 * image is written on a background thread after the first load, so a cold start does not wait
 * for it. Models under {@link #MIN_MODEL_BYTES}, with external data, or from a file system that
 * gives no stamp are always read from their files.
 *
 * <pre>{@code
 * OnnxModel m = ModelImages.of(compiler).load(spec, files, "builtin:all-minilm-l6-v2").model();
 * }</pre>
 */
public final class ModelImages {
  private static final Logger LOG = LoggerFactory.getLogger(ModelImages.class);
  /** Smaller models parse as fast as their image would load. */
  static final int MIN_MODEL_BYTES = 4 << 20;
  /** Bump when what an image holds changes. */
  private static final String FORMAT = "onnx-image-1";
  private static final String MODEL_FILE = "model.onnx";
  private static final String ABOUT_FILE = "image.properties";
  private static final ModelImages NONE = new ModelImages(null);
  private static final ExecutorService WRITER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "ember-model-image-writer");
    t.setDaemon(true);
    return t;
  });

  /** The last write queued: writes run one after the other on {@link #WRITER}. */
  private static volatile CompletableFuture<Void> lastWrite =
      CompletableFuture.completedFuture(null);

  private final CompileCache cache; // null: no images

  private ModelImages(CompileCache cache) {
    this.cache = cache;
  }

  /** No images: every load reads the model's file. */
  public static ModelImages none() {
    return NONE;
  }

  /** Images in {@code cache} (none when it is disabled). */
  public static ModelImages in(CompileCache cache) {
    return cache.enabled() ? new ModelImages(cache.withOwnCounts()) : NONE;
  }

  /** Lookups, writes and quarantines of these images (not counted in the variants' cache). */
  public CacheStats stats() {
    return cache == null ? CompileCache.disabled().stats() : cache.stats();
  }

  /**
   * The images of a load compiled by {@code compiler}: in its compile cache when its store is one
   * that keeps model images ({@link CachedVariantStore#keepsModelImages}); none otherwise.
   */
  public static ModelImages of(CompileWrapper.Builder compiler) {
    if (compiler != null && compiler.store() instanceof CachedVariantStore s
        && s.keepsModelImages()) {
      return in(s.cache());
    }
    return NONE;
  }

  /**
   * The model {@code spec} names, from its image when the cache holds one for the file as it is
   * now, else read from the file (and its image written in the background). {@code name} names
   * the model in messages.
   *
   * @throws EmberException as {@link SpecFiles#readModel} and {@link OnnxLoader#load}
   */
  public Loaded load(ModelSpec spec, ModelFiles files, String name) {
    Optional<String> stamp = stamp(spec, files);
    if (stamp.isPresent()) {
      Optional<OnnxModel> fromImage = read(stamp.get(), name);
      if (fromImage.isPresent()) {
        return new Loaded(fromImage.get(), () -> SpecFiles.readModel(spec, files));
      }
    }
    byte[] bytes = SpecFiles.readModel(spec, files);
    if (stamp.isEmpty() || bytes.length < MIN_MODEL_BYTES) {
      return new Loaded(
          OnnxLoader.load(bytes, name, SpecFiles.externalData(spec, files, name)), () -> bytes);
    }
    OnnxLoader.Imageable loaded =
        OnnxLoader.loadImageable(bytes, name, SpecFiles.externalData(spec, files, name));
    String s = stamp.get();
    String sha256 = loaded.model().sha256();
    lastWrite = CompletableFuture.runAsync(() -> write(s, loaded.image(), sha256, name), WRITER);
    return new Loaded(loaded.model(), () -> bytes);
  }

  /**
   * A loaded model and its file's bytes, for ONNX Runtime: at hand when the file was read, read
   * again on the first call when the model came from its image.
   */
  public record Loaded(OnnxModel model, Supplier<byte[]> bytes) {}

  /**
   * Waits until the images this JVM started writing are written (or failed): for a process that
   * exits right after its first load, whose daemon writer would be cut off.
   */
  public static void awaitWrites() {
    lastWrite.join();
  }

  private Optional<String> stamp(ModelSpec spec, ModelFiles files) {
    if (cache == null) {
      return Optional.empty();
    }
    try {
      return spec.files(files).stamp(spec.modelLocation());
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      return Optional.empty(); // reading the file says so, with the fix
    } catch (IOException e) {
      LOG.warn("Model image: cannot stat {} ({}); reading the model file", spec.modelLocation(),
          e.toString());
      return Optional.empty();
    }
  }

  private Optional<OnnxModel> read(String stamp, String name) {
    CacheKeyFactors factors = factors(stamp);
    Optional<CacheEntry> entry = cache.get(factors);
    if (entry.isEmpty()) {
      return Optional.empty();
    }
    VariantArtifacts files = entry.get().artifacts();
    try {
      Map<String, String> about = about(files.get(ABOUT_FILE));
      if (!stamp.equals(about.get("stamp")) || files.get(MODEL_FILE) == null) {
        throw new IllegalStateException("its stamp or model file does not match");
      }
      ExternalData weights = ExternalData.in(new Held(files), name);
      OnnxModel m = OnnxLoader.loadImage(files.get(MODEL_FILE), name, weights, about.get("sha256"));
      LOG.info("Model image: loaded {} from the compile cache without parsing its file", name);
      return Optional.of(m);
    } catch (EmberException | IllegalStateException | IllegalArgumentException e) {
      cache.invalidate(factors, "the model image does not load: " + e.getMessage());
      return Optional.empty();
    }
  }

  private void write(String stamp, Supplier<Optional<OnnxImage>> of, String sha256,
      String name) {
    try {
      Optional<OnnxImage> image = of.get();
      if (image.isEmpty()) {
        LOG.info("Model image: none for {} (external data or a tensor over 128 MiB)", name);
        return;
      }
      Map<String, byte[]> files = new LinkedHashMap<>();
      files.put(ABOUT_FILE, ("stamp=" + stamp + "\nsha256=" + sha256 + "\n")
          .getBytes(StandardCharsets.UTF_8));
      files.put(MODEL_FILE, image.get().model());
      for (int i = 0; i < image.get().weights().size(); i++) {
        files.put(OnnxImage.weightFile(i), image.get().weights().get(i));
      }
      // The arrays were made for the image alone: handed over, not copied again.
      cache.getOrCompile(factors(stamp), () -> CacheEntry.of(VariantArtifacts.handedOver(files)));
    } catch (RuntimeException e) {
      LOG.warn("Model image: not written for {} ({}); the next start reads the model file", name,
          e.toString());
    }
  }

  /** Lines {@code key=value}; the stamp holds spaces, not newlines. */
  private static Map<String, String> about(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalStateException(ABOUT_FILE + " is missing");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }

  /** An image's key: its format and the model file's stamp (the bytes are what it saves). */
  private static CacheKeyFactors factors(String stamp) {
    return new CacheKeyFactors(sha256Hex(stamp), "model-image", FORMAT, "onnx-import", "any",
        CacheKeyFactors.ENGINE_VERSION);
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM ships SHA-256", e);
    }
  }

  /** The weight files of an image, as its cache entry holds them (mapped, for large ones). */
  private record Held(VariantArtifacts files) implements ExternalData.Folder {
    @Override
    public long regularFileSize(String relative) throws IOException {
      return file(relative).remaining();
    }

    @Override
    public void read(String relative, long offset, byte[] into) throws IOException {
      file(relative).get(Math.toIntExact(offset), into);
    }

    @Override
    public ByteBuffer held(String relative, long offset, int length) throws IOException {
      return file(relative).slice(Math.toIntExact(offset), length);
    }

    private ByteBuffer file(String relative) throws NoSuchFileException {
      ByteBuffer f = files.buffer(relative);
      if (f == null) {
        throw new NoSuchFileException(relative);
      }
      return f;
    }
  }
}
