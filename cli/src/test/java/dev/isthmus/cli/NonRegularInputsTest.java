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
