package dev.ember.executor.cache;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link System.Logger} that keeps every message, so tests can check what was warned. */
final class CapturingLogger implements System.Logger {
  record Line(Level level, String message) {}

  final List<Line> lines = new CopyOnWriteArrayList<>();

  List<String> warnings() {
    return lines.stream().filter(l -> l.level() == Level.WARNING).map(Line::message).toList();
  }

  @Override
  public String getName() {
    return "test";
  }

  @Override
  public boolean isLoggable(Level level) {
    return true;
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
    lines.add(new Line(level, msg));
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String format, Object... params) {
    lines.add(new Line(level, params == null ? format : MessageFormat.format(format, params)));
  }
}
