/** Batched DataFrame, SQL and ML surfaces over the executor-local engine (issue #3 on). */
package dev.ember.udfs;
