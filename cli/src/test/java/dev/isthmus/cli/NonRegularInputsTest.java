package dev.isthmus.cli;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.formats.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Inputs that are not regular files (a FIFO blocked a read forever) or are missing are that input's error, and a thread count no
 * machine needs is a usage error before anything is loaded (--threads 100000 spent 43 s creating threads, then ran out
 * of memory).
 */
class NonRegularInputsTest {
    static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    Path fifo(String name) throws Exception {
        Path p = tmp.resolve(name);
        Process mk = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
        assumeTrue(mk.waitFor() == 0 && Files.exists(p), "mkfifo is needed for this test");
        return p;
    }

    @Test
    void runRefusesAFifoAsAnInput() throws Exception {
        Path f = fifo("x.npy");
        CliRun r = assertTimeoutPreemptively(LIMIT, () -> CliRun.of("run", "../examples/mnist", "-i", "image=" + f));
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains(f.toString()) && r.err().contains("not a regular file"), r.err());
    }

    @Test
    void predictReportsAFifoAndLabelsTheOtherInputs() throws Exception {
        Path bad = fifo("a_fifo.csv");
        Path good = Files.copy(Path.of("../examples/gru/sequences/sine_09.csv"), tmp.resolve("b_sine.csv"));
        CliRun r = assertTimeoutPreemptively(LIMIT, () -> CliRun.of("predict", "../examples/gru", bad.toString(), good.toString()));
        assertEquals(1, r.code(), r.err());
        List<String> out = r.outLines();
        assertEquals(1, out.size(), r.out());
        assertTrue(out.get(0).contains("b_sine.csv"), out.get(0));
        assertTrue(r.err().contains("a_fifo.csv") && r.err().contains("not a regular file"), r.err());
        assertTrue(r.err().contains("1 of 2 inputs failed"), r.err());

        Path badImage = fifo("a_fifo.png");
        Path goodImage = Files.copy(Path.of("../examples/mnist/digits/3_3327.png"), tmp.resolve("b_three.png"));
        CliRun images = assertTimeoutPreemptively(LIMIT, () -> CliRun.of("predict", "../examples/mnist", badImage.toString(),
                goodImage.toString()));
        assertEquals(1, images.code(), images.err());
        assertEquals(1, images.outLines().size(), images.out());
        assertTrue(images.out().contains("b_three.png  3 ("), images.out());
        assertTrue(images.err().contains("a_fifo.png") && images.err().contains("not a regular file"), images.err());
    }

    @Test
    void aMissingSequenceFileIsOneErrorAndTheRestGoOn() throws Exception {
        // it aborted the whole run ("internal error: ExecutionException ... NoSuchFileException") and printed no label
        Path good = Files.copy(Path.of("../examples/gru/sequences/sine_09.csv"), tmp.resolve("b_sine.csv"));
        Path missing = tmp.resolve("a_missing.npy");
        CliRun r = CliRun.of("predict", "../examples/gru", missing.toString(), good.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.outLines().size(), r.out());
        assertTrue(r.out().contains("b_sine.csv"), r.out());
        assertTrue(r.err().contains(missing + ": cannot read: no such file"), r.err());
        assertTrue(r.err().contains("1 of 2 inputs failed") && !r.err().contains("internal error"), r.err());
    }

    /** A sparse npy file (no room on disk) of one dimension of {@code n} elements of {@code descr}. */
    Path sparseNpy(String name, String descr, long n, int elementBytes) throws Exception {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + n + ",), }";
        int total = (10 + dict.length() + 1 + 63) / 64 * 64;
        byte[] header = new byte[total];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) ((total - 10) & 0xff), (byte) ((total - 10) >> 8)};
        System.arraycopy(magic, 0, header, 0, magic.length);
        java.util.Arrays.fill(header, 10, total - 1, (byte) ' ');
        System.arraycopy(dict.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, header, 10, dict.length());
        header[total - 1] = '\n';
        Path p = tmp.resolve(name);
        Files.write(p, header);
        try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(total + n * elementBytes);
        }
        return p;
    }

    @Test
    void npyFilesTooLargeToReadAreEachOneErrorLineAndTheOthersAreLabelled() throws Exception {
        // 2^31 elements ended the run with "internal error: IllegalArgumentException: ... read it into an Arena" and
        // labelled nothing; an array larger than the heap ended it with an OutOfMemoryError's stack trace
        Path elements = sparseNpy("a_elements.npy", "<f4", 1L << 31, 4);
        long doubles = Runtime.getRuntime().maxMemory() / 8 + 1; // this JVM's: the CLI runs in it
        Path bytes = sparseNpy("b_bytes.npy", "<f8", doubles, 8);
        Path missing = tmp.resolve("c_missing.npy");
        Path good = Files.copy(Path.of("../examples/gru/sequences/sine_09.csv"), tmp.resolve("d_sine.csv"));
        CliRun r = assertTimeoutPreemptively(LIMIT, () -> CliRun.of("predict", "../examples/gru", elements.toString(), bytes.toString(),
                missing.toString(), good.toString()));
        assertEquals(1, r.code(), r.err());
        assertEquals(List.of(good + "  sine (100.0%)"), r.outLines());
        List<String> err = r.errLines();
        assertEquals(4, err.size(), r.err());
        assertTrue(err.get(0).startsWith("isthmus: " + elements + ": the array [2147483648] of F32 is 8589934592 bytes: 2147483648 elements,")
                && err.get(0).endsWith("[rule: npy-too-large]"), err.get(0));
        assertTrue(err.get(1).startsWith("isthmus: " + bytes + ": the array [" + doubles + "] of F64 is " + doubles * 8 + " bytes, more than ")
                && err.get(1).endsWith("[rule: npy-too-large]"), err.get(1));
        assertEquals("isthmus: " + missing + ": cannot read: no such file", err.get(2));
        assertEquals("isthmus: 3 of 4 inputs failed; 1 predicted", err.get(3));
        assertTrue(!r.err().contains("Arena") && !r.err().contains("internal error"), r.err());

        CliRun run = CliRun.of("run", "../examples/gru", "-i", elements.toString());
        assertEquals(1, run.code(), run.err());
        assertEquals(List.of(err.get(0)), run.errLines());
    }

    @Test
    void aCsvThatIsNotUtf8IsThatInputsErrorWithTheOffset() throws Exception {
        // it was "isthmus: FILE: cannot read: Input length = 1"
        Path bad = tmp.resolve("a_latin1.csv");
        Files.write(bad, new byte[]{'1', ',', '2', ',', '3', '\n', '4', ',', (byte) 0xe9, ',', '6', '\n'});
        Path good = Files.copy(Path.of("../examples/gru/sequences/sine_09.csv"), tmp.resolve("b_sine.csv"));
        CliRun r = CliRun.of("predict", "../examples/gru", bad.toString(), good.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals(List.of(good + "  sine (100.0%)"), r.outLines());
        assertEquals(List.of("isthmus: " + bad + ": not UTF-8 text (byte offset 8) [rule: not-utf8]", "isthmus: 1 of 2 inputs failed; 1 predicted"),
                r.errLines());
    }

    @Test
    void emptyPathsAreUsageErrorsAndADirectoryIsNoInputFile() throws Exception {
        // Path.of("") is the working directory: `run -i ""` said "No such device" (later ": not a regular file (a
        // directory)"), and `predict MODEL ""` walked the working directory and labelled every image below it
        Path dir = Files.createDirectories(tmp.resolve("a dir"));
        String[][] usage = {
                {"run", "../examples/mnist", "-i", ""}, {"run", "../examples/mnist", "-i", "image="},
                {"predict", "../examples/mnist", ""}, {"predict", "../examples/mnist", "", "../examples/mnist/digits/3_3327.png"},
                {"run", "", "-i", "x.npy"}, {"inspect", ""}, {"bench", ""},
                {"run", "../examples/mnist", "-i", "../examples/mnist/x.npy", "-o", ""}};
        for (String[] args : usage) {
            CliRun r = CliRun.of(args);
            String what = String.join(" ", args);
            assertEquals(2, r.code(), what + ": " + r.err());
            assertEquals(1, r.errLines().size(), what + ": " + r.err());
            assertTrue(r.err().contains("empty path"), what + ": " + r.err());
            assertEquals("", r.out(), what);
        }
        assertEquals("isthmus: -i '': empty path (give a .npy file) (see 'isthmus run --help')",
                CliRun.of("run", "../examples/mnist", "-i", "").errLines().get(0));
        CliRun d = CliRun.of("run", "../examples/mnist", "-i", dir.toString());
        assertEquals(1, d.code(), d.err());
        assertEquals(List.of("isthmus: " + dir + ": not a regular file (a directory): only regular files are read [rule: not-a-regular-file]"),
                d.errLines());
    }

    @Test
    void runWritesNoOutputOntoALinkADeviceOrADirectory() throws Exception {
        // as root, -o /dev/full replaced the device node with a file, and -o link.npy replaced the link
        Path in = tmp.resolve("x.npy");
        dev.isthmus.formats.npy.Npy.write(in, dev.isthmus.engine.tensor.Tensor.ofFloats(new float[28 * 28], 1, 1, 28, 28));
        Path target = Files.writeString(tmp.resolve("target.txt"), "keep me");
        Path link = Files.createSymbolicLink(tmp.resolve("link.npy"), target);
        Path dir = Files.createDirectory(tmp.resolve("out.npy"));
        String[][] refused = {{link.toString(), "a symbolic link"}, {dir.toString(), "a directory"}, {"/dev/null", "a FIFO, socket or device"}};
        for (String[] o : refused) {
            if (!Files.exists(Path.of(o[0]))) continue; // no /dev/null here: the link and the directory still ran
            CliRun r = CliRun.of("run", "../examples/mnist", "-i", in.toString(), "-o", o[0]);
            assertEquals(1, r.code(), r.err());
            assertEquals(List.of("isthmus: " + o[0] + ": not written: it is " + o[1] + ", and only a new path or a regular file is replaced"),
                    r.errLines());
        }
        assertTrue(Files.isSymbolicLink(link) && Files.readString(target).equals("keep me") && Files.isDirectory(dir));
        assertEquals(0, CliRun.of("run", "../examples/mnist", "-i", in.toString(), "-o", tmp.resolve("new.npy").toString()).code());
    }

    @Test
    void aModelPathThatIsAFifoIsAnError() throws Exception {
        Path f = fifo("model.safetensors");
        CliRun r = assertTimeoutPreemptively(LIMIT, () -> CliRun.of("inspect", f.toString()));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("not a regular file"), r.err());
    }

    @Test
    void tooManyThreadsIsAUsageErrorBeforeLoading() {
        CliRun r = assertTimeoutPreemptively(LIMIT, () -> CliRun.of("predict", "../examples/mnist", "../examples/mnist/digits",
                "--threads", "100000"));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("--threads 100000") && r.err().contains(String.valueOf(ComputePool.MAX_THREADS)), r.err());
        assertEquals("", r.out());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelLoader.load(Path.of("../examples/mnist"), ComputePool.MAX_THREADS + 1));
        assertTrue(e.getMessage().contains("threads must be ≤ " + ComputePool.MAX_THREADS), e.getMessage());
    }
}
