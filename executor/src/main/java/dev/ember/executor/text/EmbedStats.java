package dev.ember.executor.text;

/**
 * Counters of one {@link SentenceEmbedder} since it was built, for logs and metrics.
 *
 * @param texts texts embedded (null and blank rows excluded)
 * @param batches forward passes run
 * @param realTokens tokens of the texts, special tokens included
 * @param paddedTokens tokens fed to the model, padding included; {@code paddedTokens / realTokens}
 *     is the padding overhead
 * @param truncatedTexts texts cut to the tokenizer's maxLength
 */
public record EmbedStats(
    long texts, long batches, long realTokens, long paddedTokens, long truncatedTexts) {}
