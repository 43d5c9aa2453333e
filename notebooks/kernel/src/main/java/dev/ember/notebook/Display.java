package dev.ember.notebook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * What a Java cell shows in the notebook besides its printed text: charts as PNG images, tables
 * of rows, Markdown. Each call publishes one output of the running cell, as Jupyter's
 * {@code display_data}; a notebook saved after the run keeps it, so the page reads without
 * running.
 *
 * <pre>{@code
 * CategoryChart c = new CategoryChartBuilder().title("rows/s").build();
 * c.addSeries("level", List.of("0", "3"), List.of(12.0, 80.0));
 * Display.chart(c);
 * Display.table(spark.sql("SELECT * FROM glosses"), 5);
 * }</pre>
 *
 * <p>Works inside the Ember kernel only (it needs the kernel's connection); elsewhere every
 * method throws {@link IllegalStateException}.
 */
public final class Display {
  private static volatile BaseKernel kernel;

  private Display() {}

  static void attach(BaseKernel k) {
    kernel = k;
  }

  /** Shows an XChart chart as a PNG image (its own width and height). */
  public static void chart(Chart<?, ?> chart) {
    try {
      png(BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    } catch (IOException e) {
      throw new UncheckedIOException("could not encode the chart as PNG", e);
    }
  }

  /** Shows PNG bytes as an image. */
  public static void png(byte[] png) {
    DisplayData d = new DisplayData("[PNG image, " + png.length + " bytes]");
    d.putData("image/png", Base64.getEncoder().encodeToString(png));
    publish(d);
  }

  /** Shows Markdown text. */
  public static void markdown(String markdown) {
    DisplayData d = new DisplayData(markdown);
    d.putMarkdown(markdown);
    publish(d);
  }

  /** Shows the first {@code maxRows} rows of {@code df} as a table (HTML, with a text form). */
  public static void table(Dataset<Row> df, int maxRows) {
    List<Row> rows = df.limit(maxRows).collectAsList();
    table(List.of(df.columns()), rows);
  }

  /** Shows rows (Spark rows, or any lists of values) under {@code columns} as a table. */
  public static void table(List<String> columns, List<?> rows) {
    Table t = Table.of(columns, rows);
    DisplayData d = new DisplayData(t.text());
    d.putHTML(t.html());
    publish(d);
  }

  private static void publish(DisplayData d) {
    BaseKernel k = kernel;
    if (k == null) {
      throw new IllegalStateException(
          "Display shows outputs inside the Ember notebook kernel only; none is running here");
    }
    k.display(d);
  }
}
