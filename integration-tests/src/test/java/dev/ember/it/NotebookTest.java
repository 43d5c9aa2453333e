package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

/** The checks NotebooksIT applies to a notebook file fail where they should. */
class NotebookTest {
  @TempDir Path dir;

  private Notebook notebook(String cells) throws Exception {
    Path f = dir.resolve("n.ipynb");
    Files.writeString(f, "{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}, \"cells\": ["
        + cells + "]}");
    return Notebook.read(f);
  }

  private static String png() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB), "png", out);
    return Base64.getEncoder().encodeToString(out.toByteArray());
  }

  @Test
  void aRunNotebookPassesAndListsItsOutputKinds() throws Exception {
    Notebook nb = notebook("{\"cell_type\": \"markdown\", \"source\": \"# hi\"},"
        + "{\"cell_type\": \"code\", \"execution_count\": 1, \"source\": \"x\", \"outputs\": ["
        + "{\"output_type\": \"stream\", \"name\": \"stdout\", \"text\": \"1\"},"
        + "{\"output_type\": \"display_data\", \"data\": {\"image/png\": \"" + png() + "\","
        + " \"text/plain\": \"img\"}}]},"
        + "{\"cell_type\": \"code\", \"execution_count\": 2, \"source\": \"y\", \"outputs\": []}");
    nb.assertExecutedWithoutErrors("test");
    assertEquals(List.of(List.of("image/png", "stdout", "text/plain"), List.of()),
        nb.outputKinds());
    assertEquals(1, nb.pngs().size());
    assertNotNull(Notebook.decodePng(nb.pngs().get(0)));
  }

  @Test
  void aCellNotRunOrShowingAnErrorFails() throws Exception {
    Notebook notRun = notebook("{\"cell_type\": \"code\", \"execution_count\": null,"
        + " \"source\": \"x\", \"outputs\": []}");
    assertThrows(AssertionFailedError.class, () -> notRun.assertExecutedWithoutErrors("test"));
    Notebook failed = notebook("{\"cell_type\": \"code\", \"execution_count\": 1,"
        + " \"source\": \"x\", \"outputs\": [{\"output_type\": \"error\", \"ename\": \"E\","
        + " \"evalue\": \"boom\", \"traceback\": []}]}");
    AssertionFailedError e = assertThrows(AssertionFailedError.class,
        () -> failed.assertExecutedWithoutErrors("test"));
    assertTrue(e.getMessage().contains("E: boom"), e.getMessage());
  }

  @Test
  void anImageThatIsNotAPngFails() throws Exception {
    String notPng = Base64.getEncoder().encodeToString("not a png".getBytes());
    Notebook nb = notebook("{\"cell_type\": \"code\", \"execution_count\": 1, \"source\": \"x\","
        + " \"outputs\": [{\"output_type\": \"display_data\", \"data\": {\"image/png\": \""
        + notPng + "\"}}]}");
    assertNull(Notebook.decodePng(nb.pngs().get(0)));
    assertThrows(AssertionFailedError.class, () -> nb.assertExecutedWithoutErrors("test"));
  }
}
