package dev.ember.executor.dispatch;

import java.util.concurrent.atomic.LongAdder;

/** The wrapper's running counts; LongAdders, so busy threads do not contend on one word. */
final class Counters {
  final LongAdder calls = new LongAdder();
  final LongAdder compiles = new LongAdder();
  final LongAdder compileNanos = new LongAdder();
  final LongAdder generalCalls = new LongAdder();
  final LongAdder warnings = new LongAdder();
  final LongAdder realRows = new LongAdder();
  final LongAdder paddedRows = new LongAdder();
  final LongAdder realTokens = new LongAdder();
  final LongAdder paddedTokens = new LongAdder();

  void compiled(long nanos) {
    compiles.increment();
    compileNanos.add(nanos);
  }
}
