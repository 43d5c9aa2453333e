package dev.ember.executor.dispatch;

import dev.ember.executor.backend.VariantKey;

/**
 * One variant of a {@link CompileWrapper}'s plan: its index for {@link
 * CompileWrapper#dispatchTo}, a label such as {@code batch=8 seq=32}, the key it is compiled and
 * cached under, and whether it is compiled yet.
 */
public record PlannedVariant(int index, String label, VariantKey key, boolean compiled) {}
