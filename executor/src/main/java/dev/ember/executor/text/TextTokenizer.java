package dev.ember.executor.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A HuggingFace tokenizer (DJL's binding of the Rust {@code tokenizers} crate) loaded from a {@code
 * tokenizer.json}, with the settings sentence-transformers uses, set explicitly so that nothing in
 * the file overrides them: special tokens added ({@code [CLS] ... [SEP]} for BERT), truncation at
 * {@link #maxLength()} tokens (specials included), and no padding. Rows are padded later, to the
 * longest row of each batch, by {@link TokenBatch}.
 *
 * <p>Explicit settings matter: the tokenizer.json shipped with the builtin all-MiniLM-L6-v2 asks
 * for truncation at 128 and fixed padding to 128, which DJL would otherwise apply.
 *
 * <p><b>Threading</b>: {@link #encode} and {@link #encodeBatch} may be called from many threads at
 * once. DJL's encode only reads the wrapper's settings and calls the Rust tokenizer's {@code
 * encode_char_offsets(&self)}, which the crate itself calls concurrently from its thread pool in
 * {@code encode_batch}. A read-write lock keeps {@link #close} from freeing the native handle while
 * an encode runs: encodes share the read lock, close takes the write lock.
 *
 * <p><b>Lifecycle</b>: holds a native handle; close it (try-with-resources). Close is idempotent;
 * any other call after close throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (TextTokenizer tok = TextTokenizer.fromJson(jsonBytes, "tokenizer.json", 256)) {
 *   TokenBatch b = tok.encodeBatch(List.of("Hello world", "A second sentence."));
 *   Tensor ids = b.inputIds(DType.INT64); // [2, longest row]
 * }
 * }</pre>
 */
public final class TextTokenizer implements AutoCloseable {
  /** The model card's maximum sequence length for all-MiniLM-L6-v2 (sentence-transformers). */
  public static final int DEFAULT_MAX_LENGTH = 256;

  /** DJL refuses a maxLength above modelMaxLength; this only has to stay above maxLength. */
  private static final int MIN_MODEL_MAX_LENGTH = 512;

  private final HuggingFaceTokenizer tokenizer;
  private final String source;
  private final int maxLength;
  private final LongAdder truncated = new LongAdder();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed; // written under the write lock, read under either lock

  private TextTokenizer(HuggingFaceTokenizer tokenizer, String source, int maxLength) {
    this.tokenizer = tokenizer;
    this.source = source;
    this.maxLength = maxLength;
  }

  /**
   * Loads a tokenizer from the bytes of a {@code tokenizer.json}.
   *
   * @param source names the file in messages (a path or spec)
   * @param maxLength the most tokens per text, special tokens included; at least 2
   * @throws dev.ember.executor.errors.EmberException MODEL_INVALID when the bytes are not a
   *     tokenizer.json the tokenizers library accepts
   */
  public static TextTokenizer fromJson(byte[] json, String source, int maxLength) {
    Objects.requireNonNull(json, "json");
    try {
      return fromStream(new ByteArrayInputStream(json), source, maxLength);
    } catch (IOException e) {
      throw new IllegalStateException("reading a byte array cannot fail", e);
    }
  }

  /**
   * Loads a tokenizer from a stream holding a {@code tokenizer.json}; the stream is read to its end
   * and not closed.
   *
   * @throws IOException when the stream cannot be read
   */
  public static TextTokenizer fromStream(InputStream json, String source, int maxLength)
      throws IOException {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(source, "source");
    if (maxLength < 2) {
      throw new IllegalArgumentException(
          "TextTokenizer '"
              + source
              + "': maxLength must be >= 2 (room for the special"
              + " tokens), but was "
              + maxLength);
    }
    Map<String, String> options =
        Map.of(
            "addSpecialTokens", "true",
            "truncation", "true",
            "maxLength", Integer.toString(maxLength),
            "padding", "false",
            "modelMaxLength", Integer.toString(Math.max(MIN_MODEL_MAX_LENGTH, maxLength)));
    try {
      return new TextTokenizer(HuggingFaceTokenizer.newInstance(json, options), source, maxLength);
    } catch (RuntimeException e) {
      // The native parser reports a malformed file as a bare RuntimeException.
      throw Errors.of(
          ErrorCode.MODEL_INVALID,
          "tokenizer '" + source + "' is not a valid HuggingFace tokenizer.json: " + e.getMessage(),
          "use the tokenizer.json saved with the model (AutoTokenizer.save_pretrained writes"
              + " it); a vocab.txt or tokenizer_config.json alone is not enough",
          e);
    }
  }

  /** The most tokens per text, special tokens included. */
  public int maxLength() {
    return maxLength;
  }

  /** Where the tokenizer came from, for messages. */
  public String source() {
    return source;
  }

  /** The token ids of one text, with special tokens, truncated to {@link #maxLength()}. */
  public long[] encode(String text) {
    return encode(text, () -> { });
  }

  /** Like {@link #encode(String)}; runs {@code onCut} when this text was truncated. */
  public long[] encode(String text, Runnable onCut) {
    Objects.requireNonNull(text, "text");
    lock.readLock().lock();
    try {
      checkOpen();
      return counted(tokenizer.encode(text), onCut).getIds();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The tokens of a text pair, as cross-encoders and pair classifiers read them ({@code [CLS] first
   * [SEP] second [SEP]} for BERT vocabularies): the ids, and the segment of each token (0 for the
   * first text and its special tokens, 1 for the second). Truncated to {@link #maxLength()}, the
   * longer text first.
   */
  public PairTokens encodePair(String first, String second) {
    return encodePair(first, second, () -> { });
  }

  /** Like {@link #encodePair(String, String)}; runs {@code onCut} when the pair was truncated. */
  public PairTokens encodePair(String first, String second, Runnable onCut) {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(second, "second");
    lock.readLock().lock();
    try {
      checkOpen();
      Encoding e = counted(tokenizer.encode(first, second), onCut);
      return new PairTokens(e.getIds(), e.getTypeIds());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Texts this tokenizer has cut to {@link #maxLength()} tokens since it was built (their tail
   * does not reach the model), for metrics and logs.
   */
  public long truncatedCount() {
    return truncated.sum();
  }

  private Encoding counted(Encoding e) {
    return counted(e, () -> { });
  }

  private Encoding counted(Encoding e, Runnable onCut) {
    if (e.exceedMaxLength()) {
      truncated.increment();
      onCut.run();
    }
    return e;
  }

  /**
   * Encodes every text; row {@code i} of the result is {@code texts.get(i)}. Texts must not be null
   * (mapping null or empty text is the caller's concern); an empty text gives the special tokens
   * alone.
   */
  public TokenBatch encodeBatch(List<String> texts) {
    long[][] rows = new long[texts.size()][];
    int cut = 0;
    lock.readLock().lock();
    try {
      checkOpen();
      // One encode per text rather than DJL's batchEncode: that call unwraps the native result,
      // so a failing text would abort the JVM instead of throwing, and it starts its own thread
      // pool, which would compete with Spark's task threads.
      for (int i = 0; i < rows.length; i++) {
        String text = texts.get(i);
        if (text == null) {
          throw new IllegalArgumentException(
              "TextTokenizer '"
                  + source
                  + "': text #"
                  + i
                  + " is null; map null rows before"
                  + " tokenizing");
        }
        Encoding e = counted(tokenizer.encode(text));
        rows[i] = e.getIds();
        cut += e.exceedMaxLength() ? 1 : 0;
      }
    } finally {
      lock.readLock().unlock();
    }
    return new TokenBatch(rows, cut);
  }

  /** Frees the native tokenizer; waits for running encodes. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        tokenizer.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("TextTokenizer '" + source + "' is closed");
    }
  }

  @Override
  public String toString() {
    return "TextTokenizer(" + source + ", maxLength=" + maxLength + ")";
  }
}
