package dev.ember.executor.cache;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/** The file system's owners, except that the paths in {@link #foreign} belong to "mallory". */
final class ForeignOwners implements FileOwners {
  /** Another local user, as a file owner; equal to no real user. */
  static final UserPrincipal MALLORY = () -> "mallory";

  final Set<Path> foreign = new CopyOnWriteArraySet<>();

  @Override
  public UserPrincipal ownerOf(Path path) throws IOException {
    return foreign.contains(path.toAbsolutePath().normalize())
        ? MALLORY
        : FileOwners.system().ownerOf(path);
  }

  @Override
  public UserPrincipal currentUser() throws IOException {
    return FileOwners.system().currentUser();
  }

  /** Makes {@code path} look owned by mallory; returns it. */
  Path plant(Path path) {
    foreign.add(path.toAbsolutePath().normalize());
    return path;
  }
}
