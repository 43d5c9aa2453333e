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
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16: on the Spark path (Hadoop reads) a model on the local file system reads its external
 * tensor data from its folder, under the same confinement as a local load.
 */
class HadoopExternalDataTest {
  private static final float[] W = {1.5f, -2f, 0.25f};

  @TempDir Path tmp;

  private final HadoopModelFiles files = new HadoopModelFiles(new Configuration());

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
  void itsLocationsStayConfinedToTheModelsFolder() throws IOException {
    Path model = model("../secret.bin");
    EmberException e =
        assertThrows(EmberException.class, () -> load(model, model.toString()));
    assertEquals(ErrorCode.MODEL_INVALID, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("'..'"), e.getMessage());
  }
}
