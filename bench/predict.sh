#!/usr/bin/env bash
# The predict UDF vs ONNX Runtime per partition (a Tribuo model, ROWS rows) and SQL ember_embed vs
# the DataFrame API (4,000 glosses), interleaved rounds on Spark local[2]; prints rows/s and ratios.
#   bench/predict.sh [ROWS] [ROUNDS]
set -euo pipefail
root="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# One reactor run: udfs's module dependencies (rapids-stubs among them) resolve to their build
# output, so nothing has to be installed; udfs, built last, writes the file last.
mvn -q -pl udfs -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$root/udfs/target/test-classpath.txt"
opens="$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' pom.xml)"
export SPARK_LOCAL_IP=127.0.0.1
# shellcheck disable=SC2086
cd udfs  # the corpus path is relative to the module
exec java -Xmx6g $opens -Dlog4j2.configurationFile=src/test/resources/log4j2.properties \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.ember.udfs.PredictBench "${1:-200000}" "${2:-3}"
