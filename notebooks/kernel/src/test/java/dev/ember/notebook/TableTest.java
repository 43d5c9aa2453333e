package dev.ember.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How tables of values render: aligned text, escaped HTML, short cells. */
class TableTest {
  @Test
  void textIsAlignedUnderTheHeader() {
    Table t = Table.of(List.of("id", "name"), List.of(List.of(1, "a"), List.of(22, "bbb")));
    assertEquals("id | name\n---+-----\n1  | a   \n22 | bbb \n", t.text());
  }

  @Test
  void floatsArraysNullsAndLongTextAreShortened() {
    Table t = Table.of(List.of("v"), List.of(
        List.of(0.123456f),
        List.of(List.of(1, 2, 3, 4, 5, 6)),
        java.util.Arrays.asList((Object) null),
        List.of("x".repeat(200))));
    assertEquals("0.1235", t.cells().get(0).get(0));
    assertEquals("[1, 2, 3, 4, … 6 values]", t.cells().get(1).get(0));
    assertEquals("null", t.cells().get(2).get(0));
    assertEquals(Table.MAX_CELL, t.cells().get(3).get(0).length());
    assertTrue(t.cells().get(3).get(0).endsWith("…"));
  }

  @Test
  void htmlIsEscaped() {
    String html = Table.of(List.of("<b>"), List.of(List.of("a & b"))).html();
    assertTrue(html.contains("<th>&lt;b&gt;</th>"), html);
    assertTrue(html.contains(">a &amp; b</td>"), html);
  }
}
