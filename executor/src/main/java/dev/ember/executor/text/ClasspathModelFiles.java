package dev.ember.executor.text;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;

/**
 * {@link ModelFiles} over classpath resources, for builtin models. The thread's context class
 * loader is asked first: under Spark, jars added with {@code --jars} are visible only there.
 */
final class ClasspathModelFiles implements ModelFiles {
  static final ClasspathModelFiles INSTANCE = new ClasspathModelFiles();

  private ClasspathModelFiles() {}

  @Override
  public boolean exists(String location) {
    return find(location) != null;
  }

  @Override
  public byte[] read(String location) throws IOException {
    URL url = find(location);
    if (url == null) {
      throw new FileNotFoundException("classpath resource " + location);
    }
    try (InputStream in = url.openStream()) {
      return in.readAllBytes();
    }
  }

  private static URL find(String resource) {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    URL url = context == null ? null : context.getResource(resource);
    return url != null ? url : ClasspathModelFiles.class.getClassLoader().getResource(resource);
  }
}
