package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenIdsTest {
  @TempDir Path dir;

  @Test
  void roundTrips() throws IOException {
    List<long[]> rows = List.of(new long[] {101, 2023, 102}, new long[0],
        new long[] {101, 30521, 7, 102});
    Path f = dir.resolve("ids.bin");
    TokenIds.write(f, rows);
    List<long[]> back = TokenIds.read(f);
    assertEquals(rows.size(), back.size());
    for (int i = 0; i < rows.size(); i++) {
      assertArrayEquals(rows.get(i), back.get(i));
    }
    // 8 magic + count + per row (length + ids), 4 bytes each: what torch_reference.py parses.
    assertEquals(8 + 4 + (4 + 12) + 4 + (4 + 16), Files.size(f));
  }

  @Test
  void rejectsOtherFiles() throws IOException {
    Path f = dir.resolve("other.bin");
    Files.writeString(f, "not ids at all");
    assertThrows(IOException.class, () -> TokenIds.read(f));
  }
}
