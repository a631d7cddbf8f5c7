package dev.isthmus.formats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What the fuzz targets ({@code *FuzzTest}) share. The rule each enforces: a reader given any bytes either reads them
 * or refuses them with the exception type its API declares (a {@link dev.isthmus.engine.errors.IsthmusException}
 * subtype, {@link dev.isthmus.formats.json.JsonException}); any other throwable escapes the target, and Jazzer
 * reports it as a finding, as it does an {@link OutOfMemoryError} (the fuzz JVM has a 1 GB heap) and an input that runs
 * longer than its {@code -timeout}.
 */
public final class Fuzzing {
    private Fuzzing() {
    }

    /** The body of a target: reads one input. */
    public interface Body {
        void run() throws Exception;
    }

    /**
     * Runs {@code body}; returns the refusal when it throws one of {@code declared} (after checking the refusal says
     * something), null when it read the input. Any other throwable propagates: a finding.
     */
    @SafeVarargs
    public static Throwable refusedOnlyWith(Body body, Class<? extends Throwable>... declared) throws Exception {
        try {
            body.run();
            return null;
        } catch (Exception e) {
            for (Class<? extends Throwable> c : declared) {
                if (c.isInstance(e)) {
                    if (e.getMessage() == null || e.getMessage().isBlank()) {
                        throw new AssertionError("a refusal without a message", e);
                    }
                    return e;
                }
            }
            throw e;
        }
    }

    /** A fresh directory for one target's files, removed with {@link #delete}. */
    public static Path tempDir(String name) {
        try {
            return Files.createTempDirectory("isthmus-fuzz-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes one input to {@code file}, replacing what was there. */
    public static Path write(Path file, byte[] data) {
        try {
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code dir} and everything under it. */
    public static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
