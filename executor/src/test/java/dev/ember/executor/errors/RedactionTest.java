package dev.ember.executor.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RedactionTest {
  @Test
  void userInfoAndQueryOfUrisAreHidden() {
    assertEquals(
        "hdfs://***@nn:8020/models/m.onnx",
        Redaction.redact("hdfs://alice:s3cret@nn:8020/models/m.onnx"));
    assertEquals(
        "https://host/m.onnx?***", Redaction.redact("https://host/m.onnx?X-Amz-Signature=abc&t=1"));
    assertEquals(
        "s3a://***@bucket/m/?***#frag", Redaction.redact("s3a://KEY:se@cret@bucket/m/?sig=x#frag"));
    assertEquals("file:/m/model.onnx?***", Redaction.redact("file:/m/model.onnx?token=t"));
  }

  @Test
  void locationsInsideAMessageAreHiddenAndTheRestKept() {
    assertEquals(
        "cannot read 'https://***@h/m.onnx?***' of model spec 'https://***@h/m.onnx?***': gone",
        Redaction.redact(
            "cannot read 'https://u:tok@h/m.onnx?sig=1' of model spec"
                + " 'https://u:tok@h/m.onnx?sig=1': gone"));
  }

  @Test
  void textWithoutSecretsIsUnchanged() {
    for (String s :
        new String[] {
          "/data/models/m.onnx",
          "hdfs://nn:8020/models/minilm/",
          "builtin:all-minilm-l6-v2",
          "mail alice@example.com? Fix: check the path?",
          "C:\\models\\m.onnx",
        }) {
      assertEquals(s, Redaction.redact(s));
    }
  }

  @Test
  void everyEmberExceptionMessageIsRedacted() {
    EmberException e =
        Errors.of(
            ErrorCode.IO_ERROR,
            "cannot read 'hdfs://alice:s3cret@nn/m.onnx'",
            "check 'hdfs://alice:s3cret@nn/m.onnx?doas=bob'");
    assertEquals(ErrorCode.IO_ERROR, e.code());
    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    assertFalse(e.getMessage().contains("doas"), e.getMessage());
    assertTrue(e.getMessage().contains("hdfs://***@nn/m.onnx"), e.getMessage());
  }
}
