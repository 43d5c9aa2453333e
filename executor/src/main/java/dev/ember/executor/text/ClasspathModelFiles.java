package dev.ember.executor.text;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

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

  /**
   * For a resource in a jar: the jar's own stamp plus the entry's name, size and CRC (from the jar's
   * directory, nothing inflated); for a resource in a folder: the file's stamp.
   */
  @Override
  public Optional<String> stamp(String location) throws IOException {
    URL url = find(location);
    if (url == null) {
      throw new FileNotFoundException("classpath resource " + location);
    }
    if (url.getProtocol().equals("file")) {
      try {
        return Optional.of(LocalModelFiles.fileStamp(Path.of(url.toURI())));
      } catch (URISyntaxException | IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    if (!(url.openConnection() instanceof JarURLConnection jar)) {
      return Optional.empty();
    }
    jar.setUseCaches(false); // a cached JarFile would stay open, and could be a stale one
    URL jarFile = jar.getJarFileURL();
    if (!jarFile.getProtocol().equals("file")) {
      return Optional.empty();
    }
    Path path;
    try {
      path = Path.of(jarFile.toURI());
    } catch (URISyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
    try (JarFile jf = new JarFile(path.toFile())) {
      JarEntry e = jf.getJarEntry(jar.getEntryName());
      if (e == null) {
        throw new FileNotFoundException("classpath resource " + location);
      }
      return Optional.of(LocalModelFiles.fileStamp(path) + " entry " + e.getName() + " size "
          + e.getSize() + " crc " + Long.toHexString(e.getCrc()));
    }
  }

  private static URL find(String resource) {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    URL url = context == null ? null : context.getResource(resource);
    return url != null ? url : ClasspathModelFiles.class.getClassLoader().getResource(resource);
  }
}
