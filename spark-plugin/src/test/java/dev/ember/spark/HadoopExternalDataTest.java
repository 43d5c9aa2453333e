package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.onnx.wire.OnnxWire.GraphProto;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.onnx.wire.OnnxWire.NodeProto;
import dev.ember.executor.onnx.wire.OnnxWire.OperatorSetIdProto;
import dev.ember.executor.onnx.wire.OnnxWire.StringStringEntryProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorShapeProto;
import dev.ember.executor.onnx.wire.OnnxWire.TypeProto;
import dev.ember.executor.onnx.wire.OnnxWire.ValueInfoProto;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.SpecFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16: on the Spark path (Hadoop reads) a model on the local file system reads its external
 * tensor data from its folder, under the same confinement as a local load.
 */
class HadoopExternalDataTest {
  private static final float[] W = {1.5f, -2f, 0.25f};

  @TempDir Path tmp;

  private final HadoopModelFiles files = new HadoopModelFiles(withOtherFs(new Configuration()));

  /**
   * The local disk under another scheme, {@code emberfs:}: a Hadoop file system that is not the
   * local one to Ember, as HDFS or an object store would be. It reports links as HDFS does
   * (Hadoop's own local link status follows them for qualified paths).
   */
  public static class OtherFs extends RawLocalFileSystem {
    @Override
    public URI getUri() {
      return URI.create("emberfs:///");
    }

    @Override
    public org.apache.hadoop.fs.FileStatus getFileLinkStatus(org.apache.hadoop.fs.Path f)
        throws IOException {
      java.nio.file.Path local = Path.of(f.toUri().getPath());
      org.apache.hadoop.fs.FileStatus s = getFileStatus(f);
      if (Files.isSymbolicLink(local)) {
        s.setSymlink(new org.apache.hadoop.fs.Path(Files.readSymbolicLink(local).toString()));
      }
      return s;
    }
  }

  private static Configuration withOtherFs(Configuration conf) {
    conf.set("fs.emberfs.impl", OtherFs.class.getName());
    conf.setBoolean("fs.emberfs.impl.disable.cache", true);
    return conf;
  }

  /** y = x + w, w [3] external in {@code location}. */
  private Path model(String location) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("m"));
    TensorProto w = TensorProto.newBuilder().setName("w").setDataType(1).addDims(3)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
        .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("12"))
        .build();
    ModelProto m = ModelProto.newBuilder().setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17))
        .setGraph(GraphProto.newBuilder().setName("g").addInitializer(w)
            .addInput(floatVector("x")).addOutput(floatVector("y"))
            .addNode(NodeProto.newBuilder().setOpType("Add").addInput("x").addInput("w")
                .addOutput("y")))
        .build();
    Files.write(dir.resolve("model.onnx"), m.toByteArray());
    Files.writeString(dir.resolve("tokenizer.json"), "{}");
    ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : W) {
      data.putFloat(v);
    }
    Files.write(dir.resolve("w.bin"), data.array());
    Files.write(tmp.resolve("secret.bin"), data.array());
    return dir.resolve("model.onnx");
  }

  private static ValueInfoProto floatVector(String name) {
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(
            TensorShapeProto.newBuilder().addDim(
                TensorShapeProto.Dimension.newBuilder().setDimValue(3))))).build();
  }

  private OnnxModel load(Path model, String specText) {
    ModelSpec spec = ModelSpec.parse(specText);
    return OnnxLoader.load(SpecFiles.readModel(spec, files), model.toString(),
        SpecFiles.externalData(spec, files, model.toString()));
  }

  @Test
  void aLocalModelReadsItsExternalDataThroughHadoop() throws IOException {
    Path model = model("w.bin");
    for (String spec : new String[] {model.toString(), model.toUri().toString()}) {
      assertArrayEquals(W, load(model, spec).graph().initializers().get("w").rawFloats(), spec);
    }
  }

  @Test
  void aModelOnAnotherHadoopFileSystemReadsItsExternalDataToo() throws IOException {
    Path model = model("w.bin");
    String spec = "emberfs://" + model.toAbsolutePath();
    assertArrayEquals(W, load(model, spec).graph().initializers().get("w").rawFloats(), spec);
  }

  @Test
  void symbolicLinksAndFoldersAreRefusedOnEveryFileSystem() throws IOException {
    for (String scheme : new String[] {"", "emberfs://"}) {
      Path model = model("link.bin");
      Path dir = model.getParent();
      Files.deleteIfExists(dir.resolve("link.bin"));
      Files.createSymbolicLink(dir.resolve("link.bin"), tmp.resolve("secret.bin"));
      EmberException link = assertThrows(EmberException.class,
          () -> load(model, scheme + model.toAbsolutePath()));
      assertEquals(ErrorCode.MODEL_INVALID, link.code(), link.getMessage());
      assertTrue(link.getMessage().contains("symbolic link"), link.getMessage());

      Path viaFolder = model("sub/w.bin");
      Files.deleteIfExists(dir.resolve("sub"));
      Files.createSymbolicLink(dir.resolve("sub"), tmp);
      Files.copy(dir.resolve("w.bin"), tmp.resolve("w.bin"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      EmberException folderLink = assertThrows(EmberException.class,
          () -> load(viaFolder, scheme + viaFolder.toAbsolutePath()));
      assertTrue(folderLink.getMessage().contains("symbolic link"), folderLink.getMessage());
      Files.delete(dir.resolve("sub"));

      Path notAFile = model("sub");
      Files.createDirectories(dir.resolve("sub"));
      EmberException folder = assertThrows(EmberException.class,
          () -> load(notAFile, scheme + notAFile.toAbsolutePath()));
      assertTrue(folder.getMessage().contains("is not a file"), folder.getMessage());
      Files.delete(dir.resolve("sub"));
    }
  }

  @Test
  void itsLocationsStayConfinedToTheModelsFolder() throws IOException {
    Path model = model("../secret.bin");
    EmberException e =
        assertThrows(EmberException.class, () -> load(model, model.toString()));
    assertEquals(ErrorCode.MODEL_INVALID, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("'..'"), e.getMessage());
  }

  /** The stamp a model image is found by changes with the file's time and size. */
  @Test
  void aFilesStampChangesWhenTheFileDoes() throws IOException {
    Path f = Files.write(tmp.resolve("m.onnx"), new byte[] {1, 2, 3});
    String where = "emberfs://" + f.toAbsolutePath();
    String first = files.stamp(where).orElseThrow();
    assertEquals(first, files.stamp(where).orElseThrow());
    Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(
        Files.getLastModifiedTime(f).toMillis() + 5_000));
    String touched = files.stamp(where).orElseThrow();
    assertTrue(!touched.equals(first), touched);
    Files.write(f, new byte[] {1, 2, 3, 4});
    Files.setLastModifiedTime(f, Files.getLastModifiedTime(f)); // keep the new time
    assertTrue(!files.stamp(where).orElseThrow().equals(touched));
  }
}
