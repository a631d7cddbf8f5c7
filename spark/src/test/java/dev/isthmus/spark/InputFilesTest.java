package dev.isthmus.spark;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputFilesTest {
    private static List<String> list(Path p) {
        return InputFiles.list(p.toString(), new Configuration(false));
    }

    private static String hadoop(Path p) {
        return "file:" + p.toAbsolutePath();
    }

    @Test
    void everyVisibleFileInPathOrderAsHadoopNamesIt(@TempDir Path tmp) throws Exception {
        Path b = Files.createDirectories(tmp.resolve("in/b"));
        Path in = tmp.resolve("in");
        for (String f : List.of("z.png", "a.png", "b.png", ".crc", "_SUCCESS")) Files.writeString(in.resolve(f), f);
        Files.writeString(b.resolve("c.png"), "c");
        Files.writeString(Files.createDirectories(in.resolve("_temporary")).resolve("part.png"), "p");
        Files.writeString(Files.createDirectories(in.resolve(".hidden")).resolve("x.png"), "x");
        Files.createSymbolicLink(in.resolve("gone.png"), tmp.resolve("missing"));
        Files.writeString(in.resolve("with space%and:colon.png"), "s");
        assertEquals(List.of(hadoop(in.resolve("a.png")), hadoop(in.resolve("b.png")), hadoop(b.resolve("c.png")),
                hadoop(in.resolve("gone.png")), hadoop(in.resolve("with space%and:colon.png")), hadoop(in.resolve("z.png"))), list(in));
        // each name reads back as the file it lists, as an executor reads it
        for (String p : list(in)) {
            if (!p.endsWith("gone.png")) assertTrue(Files.isRegularFile(Path.of(new org.apache.hadoop.fs.Path(p).toUri().getPath())), p);
        }
        // one file, hidden or not, is itself the input
        assertEquals(List.of(hadoop(in.resolve(".crc"))), list(in.resolve(".crc")));
        // the same through a file: URI, as on a cluster's command line
        assertEquals(list(in), InputFiles.list(in.toUri().toString(), new Configuration(false)));
    }

    @Test
    void aMissingInputOrALinkBackToAParentIsAnErrorNamingTheInput(@TempDir Path tmp) throws Exception {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> list(tmp.resolve("nothing")));
        assertTrue(e.getMessage().contains("nothing") && e.getMessage().contains("cannot list"), e.getMessage());
        Path loop = Files.createDirectories(tmp.resolve("loop/inner"));
        Files.createSymbolicLink(loop.resolve("up"), tmp.resolve("loop"));
        e = assertThrows(UncheckedIOException.class, () -> list(tmp.resolve("loop")));
        assertTrue(e.getMessage().contains("cannot list"), e.getMessage());
    }
}
