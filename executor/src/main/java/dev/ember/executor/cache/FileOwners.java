package dev.ember.executor.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;

/**
 * Who owns a file, and who this process is. The cache only trusts files of its own user; tests
 * swap this to play a file planted by another user without needing a second account.
 */
interface FileOwners {
  /** The owner of {@code path} itself, not of what a symbolic link points to. */
  UserPrincipal ownerOf(Path path) throws IOException;

  /** The user this process runs as. */
  UserPrincipal currentUser() throws IOException;

  /** The file system's answer, for the user of this process. */
  static FileOwners system() {
    return SystemOwners.INSTANCE;
  }

  /** Reads owners from the file system; the process user is looked up once. */
  final class SystemOwners implements FileOwners {
    static final SystemOwners INSTANCE = new SystemOwners();
    private volatile UserPrincipal me;

    private SystemOwners() {}

    @Override
    public UserPrincipal ownerOf(Path path) throws IOException {
      return Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public UserPrincipal currentUser() throws IOException {
      UserPrincipal known = me;
      if (known == null) {
        known = lookUpCurrentUser();
        me = known;
      }
      return known;
    }

    /**
     * The owner of a file this process makes, which is its effective user; a user name looked up
     * by name could differ (no passwd entry in a container, names mapped by NSS). Linux answers
     * without writing anything: /proc/self belongs to the process's effective user.
     */
    private static UserPrincipal lookUpCurrentUser() throws IOException {
      Path proc = Path.of("/proc/self");
      if (Files.isDirectory(proc)) {
        return Files.getOwner(proc);
      }
      Path probe = Files.createTempFile("ember-owner", ".probe");
      try {
        return Files.getOwner(probe);
      } finally {
        Files.deleteIfExists(probe);
      }
    }
  }
}
