package dev.ember.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.jshell.JShell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cells as the kernel runs them: split into snippets, values, compile errors, exceptions. */
class CellRunnerTest {
  private JShell shell;
  private CellRunner runner;

  @BeforeEach
  void start() {
    shell = JShell.builder().executionEngine("local").build();
    runner = new CellRunner(shell, shell.sourceCodeAnalysis());
  }

  @AfterEach
  void stop() {
    shell.close();
  }

  @Test
  void aCellOfSeveralSnippetsShowsItsLastExpressionWithoutASemicolon() {
    assertEquals("42", runner.run("int x = 40;\nint y = 2;\n// a comment\nx + y"));
    assertNull(runner.run("x + y;"), "a closing semicolon hides the value");
    assertNull(runner.run("int z = x;"), "a declaration shows nothing");
    assertNull(runner.run("// only a comment"));
  }

  @Test
  void laterCellsSeeEarlierDeclarations() {
    runner.run("int twice(int v) { return 2 * v; }\nrecord P(int a) {}");
    assertEquals("8", runner.run("twice(new P(4).a())"));
  }

  @Test
  void aCompileErrorNamesTheProblemAndPointsAtIt() {
    CellException e = assertThrows(CellException.class,
        () -> runner.run("int a = 1;\nint b = undefinedThing + 1;"));
    assertTrue(e.lines().get(0).contains("cannot find symbol"), e.getMessage());
    assertTrue(e.getMessage().contains("int b = undefinedThing + 1;"), e.getMessage());
    assertTrue(e.getMessage().contains("^"), e.getMessage());
    assertEquals("1", runner.run("a"), "snippets before the failing one ran");
  }

  @Test
  void anExceptionStopsTheCellWithItsClassAndMessage() {
    CellException e = assertThrows(CellException.class, () -> runner.run(
        "int ran = 0;\nif (true) throw new IllegalStateException(\"boom\");\nran = 1;"));
    assertTrue(e.lines().get(0).startsWith("java.lang.IllegalStateException: boom"),
        e.getMessage());
    assertEquals("0", runner.run("ran"), "nothing after the throw ran");
  }

  @Test
  void causesAreListed() {
    CellException e = assertThrows(CellException.class, () -> runner.run(
        "throw new RuntimeException(\"outer\", new java.io.IOException(\"inner\"));"));
    assertTrue(e.getMessage().contains("Caused by: java.io.IOException: inner"), e.getMessage());
  }

  @Test
  void aCellThatEndsInsideAStatementIsAnError() {
    CellException e = assertThrows(CellException.class, () -> runner.run("for (int i = 0;"));
    assertTrue(e.getMessage().contains("ends inside a statement"), e.getMessage());
  }
}
