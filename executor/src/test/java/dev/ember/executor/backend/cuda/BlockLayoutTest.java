package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cuda.CudaProgram.Buffer;
import dev.ember.executor.backend.cuda.CudaProgram.Kind;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.lower.Lowering;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.text.PooledGraph;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One copy up and one copy down per call: the layout puts what they move side by side. */
class BlockLayoutTest {
  @Test
  void inputsAndFlagLeadAndFlagAndOutputsFollow() {
    // Buffers in a deliberately unhelpful order: scratch first, then output, flag, inputs.
    List<Buffer> buffers = List.of(
        buffer("slot0", Kind.SCRATCH, DType.FLOAT, 4000),
        buffer("out", Kind.OUTPUT, DType.FLOAT, 600),
        buffer("error", Kind.ERROR, DType.INT32, 4),
        buffer("ids", Kind.INPUT, DType.INT64, 80),
        buffer("mask", Kind.INPUT, DType.INT64, 80),
        new Buffer("w", Kind.WEIGHT, DType.FLOAT, 64, Tensor.zeros(DType.FLOAT, new int[] {16}),
            null));
    CudaProgram p = new CudaProgram("", List.of(), buffers,
        Map.of("slot0", 0, "out", 1, "error", 2, "ids", 3, "mask", 4, "w", 5), List.of(),
        List.of("ids", "mask"), List.of("out"), Map.of("out", new int[] {10, 15}), 2,
        List.of("gather"));
    BlockLayout l = new BlockLayout(p);
    assertEquals(0, l.offset(3));
    assertEquals(256, l.offset(4));
    assertEquals(512, l.offset(2)); // the flag right behind the inputs
    assertEquals(768, l.offset(1)); // the output right behind the flag
    assertEquals(768 + 768, l.offset(0)); // 600 bytes take 768
    assertEquals(512 + 4, l.uploadBytes());
    assertEquals(512, l.downloadStart());
    assertEquals(768 + 600 - 512, l.downloadBytes());
    assertEquals(1536 + 4096, l.bytes());
  }

  @Test
  void miniLmPooledMovesOneVectorPerRowDown() {
    int[] shape = {4, 16};
    Map<String, int[]> shapes =
        Map.of("input_ids", shape, "attention_mask", shape, "token_type_ids", shape);
    var g = Specializer.specialize(PooledGraph.of(MiniLmFixture.graph(), "last_hidden_state",
        "attention_mask"), shapes);
    CudaProgram p = new CudaCodegen(Lowering.lower(g)).generate();
    BlockLayout l = new BlockLayout(p);
    // Three int64 [4, 16] inputs of 512 bytes, the flag (the gathers check ids), 4 x 384 floats.
    assertEquals(3 * 512 + 4, l.uploadBytes());
    assertEquals(3 * 512, l.downloadStart());
    assertEquals(256 + 4 * 384 * 4, l.downloadBytes());
    for (int i = 0; i < p.buffers().size(); i++) {
      if (p.buffers().get(i).kind() != Kind.WEIGHT) {
        assertEquals(0, l.offset(i) % BlockLayout.ALIGN, p.buffers().get(i).name());
        assertTrue(l.offset(i) + p.buffers().get(i).bytes() <= l.bytes());
      }
    }
  }

  private static Buffer buffer(String name, Kind kind, DType dtype, long bytes) {
    return new Buffer(name, kind, dtype, bytes, null, null);
  }
}
