package dev.ember.udfs.rapids;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.DeviceSlice;
import dev.ember.executor.ir.DType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The device feed's choice of path and its slices, decided without cudf or a GPU. */
class FeedPlanTest {
  static final FeedPlan.Input STACKED =
      new FeedPlan.Input("x", DType.FLOAT, 3, new int[] {0, 1, 2}, true);
  static final FeedPlan.Input LIST = new FeedPlan.Input("z", DType.FLOAT, 4, new int[] {3}, false);
  static final FeedPlan.Field PROBS = new FeedPlan.Field("probs", DType.FLOAT, 1, false);
  static final FeedPlan.Arg SCALAR = new FeedPlan.Arg(false, DType.FLOAT, false);
  static final FeedPlan.Arg FLOATS = new FeedPlan.Arg(true, DType.FLOAT, false);

  static FeedPlan plan(FeedPlan.Field... fields) {
    return new FeedPlan(List.of(STACKED, LIST), List.of(fields));
  }

  @Test
  void aCudaModelOfNumericColumnsTakesTheDeviceFeed() {
    FeedPlan p = plan(PROBS, new FeedPlan.Field("label", DType.INT64, 0, false));
    assertEquals(Optional.empty(), p.modelRefusal(Optional.empty()));
    assertEquals(Optional.empty(), p.batchRefusal(List.of(SCALAR, SCALAR, SCALAR, FLOATS)));
  }

  @Test
  void aModelOffTheGpuOrWithHostOnlyOutputsIsStaged() {
    assertTrue(plan(PROBS).modelRefusal(Optional.of("the model runs on cpu-janino, not on a GPU"))
        .orElseThrow().contains("cpu-janino"));
    assertTrue(plan(new FeedPlan.Field("probs", DType.FLOAT, 1, true))
        .modelRefusal(Optional.empty()).orElseThrow().contains("argmax"));
    assertTrue(plan(new FeedPlan.Field("m", DType.FLOAT, 2, false))
        .modelRefusal(Optional.empty()).orElseThrow().contains("rank 2"));
    assertTrue(plan(new FeedPlan.Field("b", DType.BOOL, 0, false))
        .modelRefusal(Optional.empty()).orElseThrow().contains("BOOL"));
    assertTrue(plan(PROBS, PROBS).modelRefusal(Optional.empty()).orElseThrow()
        .contains("two result fields"));
    FeedPlan seq = new FeedPlan(List.of(new FeedPlan.Input("ids", DType.INT64, -1,
        new int[] {0}, false)), List.of(PROBS));
    assertTrue(seq.modelRefusal(Optional.empty()).orElseThrow().contains("sequence"));
  }

  @Test
  void batchesOfOtherTypesOrNullElementsAreStagedWithAReason() {
    FeedPlan p = plan(PROBS);
    String doubles = p.batchRefusal(List.of(SCALAR, SCALAR, SCALAR,
        new FeedPlan.Arg(true, DType.DOUBLE, false))).orElseThrow();
    assertTrue(doubles.contains("argument 4") && doubles.contains("DOUBLE")
        && doubles.contains("cast"), doubles);
    assertTrue(p.batchRefusal(List.of(SCALAR, SCALAR, SCALAR,
        new FeedPlan.Arg(true, DType.FLOAT, true))).orElseThrow().contains("null elements"));
    assertTrue(p.batchRefusal(List.of(SCALAR, SCALAR, SCALAR,
        new FeedPlan.Arg(true, null, false))).orElseThrow().contains("not a numeric"));
    assertTrue(p.batchRefusal(List.of(SCALAR, FLOATS, SCALAR, FLOATS)).orElseThrow()
        .contains("argument 2"));
    assertTrue(p.batchRefusal(List.of(SCALAR, SCALAR, SCALAR, SCALAR)).orElseThrow()
        .contains("takes an array"));
  }

  @Test
  void stackedScalarsAreSideBySideAndAListIsOneWholeRow() {
    Map<String, List<DeviceSlice>> s = plan(PROBS).slices(new long[] {100, 200, 300, 4000});
    assertEquals(List.of(new DeviceSlice(100, 4, 0, 4, DType.FLOAT),
        new DeviceSlice(200, 4, 4, 4, DType.FLOAT), new DeviceSlice(300, 4, 8, 4, DType.FLOAT)),
        s.get("x"));
    assertEquals(List.of(new DeviceSlice(4000, 16, 0, 16, DType.FLOAT)), s.get("z"));
    assertEquals(new DeviceSlice(4032, 16, 0, 16, DType.FLOAT), s.get("z").get(0).skipRows(2));
  }
}
