package dev.ember.udfs.job;

import dev.ember.executor.errors.Redaction;
import dev.ember.spark.HadoopModelFiles;
import dev.ember.spark.ModelPlans;
import dev.ember.spark.conf.EmberConf;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.SparkHadoopUtil;

/**
 * {@code bin/ember explain --model SPEC [--conf KEY=VALUE]...}: prints what Ember will do with a
 * model under the given settings (per op: which backend runs it and why not the others, fused
 * groups, captured variants, whether the compile cache holds them, weights and activation memory)
 * before anything runs. Executors log the same text when they load the model. Starts no Spark job.
 */
public final class ExplainJob {
  static final String USAGE = String.join("\n",
      "usage: ExplainJob --model SPEC [--conf KEY=VALUE]...",
      "  --model SPEC            an .onnx file, a folder holding model.onnx, or a builtin",
      "  --conf KEY=VALUE        spark.ember.* settings to explain under (repeatable), e.g.",
      "                          spark.ember.compile.level=2, spark.ember.device=cuda");

  private ExplainJob() {}

  public static void main(String[] args) {
    Flags f;
    try {
      f = Flags.parse(args, Set.of("--model"), Set.of());
      f.required("--model");
    } catch (IllegalArgumentException e) {
      System.err.println("ExplainJob: " + Redaction.redact(e.getMessage()) + "\n" + USAGE);
      System.exit(2);
      return;
    }
    try {
      System.out.print(explain(f));
    } catch (RuntimeException e) {
      System.err.println("ExplainJob failed: " + EmbedJob.causes(e));
      System.exit(1);
    }
  }

  static String explain(Flags f) {
    SparkConf conf = new SparkConf(); // spark.* system properties, as spark-submit sets them
    f.conf.forEach(conf::set);
    return ModelPlans.explain(f.required("--model"), EmberConf.from(conf), conf,
        new HadoopModelFiles(SparkHadoopUtil.get().newConfiguration(conf)));
  }
}
