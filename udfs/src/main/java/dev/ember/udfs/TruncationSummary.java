package dev.ember.udfs;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the texts of one task that were cut to {@code spark.ember.text.maxLength} tokens and logs
 * one line when the task ends, if any were: a cut text reaches the model as its head only, which a
 * user should hear about once per task rather than once per text (or never). The executor-wide
 * count is the {@code text.truncated} metric.
 */
public final class TruncationSummary {
  private static final Logger LOG = LoggerFactory.getLogger(TruncationSummary.class);

  private final int maxLength;
  private final AtomicLong truncated = new AtomicLong();

  private TruncationSummary(int maxLength) {
    this.maxLength = maxLength;
  }

  /** A summary logged when the current task completes (never, outside a task). */
  public static TruncationSummary forThisTask(int maxLength) {
    TruncationSummary s = new TruncationSummary(maxLength);
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener(
          (TaskCompletionListener) t -> s.log(t.stageId() + "." + t.partitionId()));
    }
    return s;
  }

  /** Records {@code cut} truncated texts among one call's texts. */
  public void add(int cut) {
    truncated.addAndGet(cut);
  }

  long truncated() {
    return truncated.get();
  }

  private void log(String task) {
    long n = truncated.get();
    if (n > 0) {
      LOG.warn("Ember task {}: {} text(s) longer than spark.ember.text.maxLength={} tokens were"
          + " truncated (the model saw only their head); raise spark.ember.text.maxLength (up to"
          + " 512) to embed more of them", task, n, maxLength);
    }
  }
}
