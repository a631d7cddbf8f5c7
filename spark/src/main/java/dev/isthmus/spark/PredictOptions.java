package dev.isthmus.spark;

import java.io.Serializable;

/**
 * How {@link Predictions#predict} runs a model over a table.
 *
 * @param topK         labels kept per row in {@code top}, best first (default 5; {@code label}/{@code score} are the first)
 * @param batch        rows per model run (default 32)
 * @param threads      compute threads of the model on each executor; 0 (the default) takes {@code spark.task.cpus},
 *                     so the tasks an executor runs at once, times their threads, fit its cores
 * @param backend      {@code auto} (default), {@code java} or a backend's name, as {@code --backend} in the CLI
 * @param readPaths    true when the column holds file paths (any Hadoop file system: local, HDFS, S3) that the
 *                     executors read, instead of the files' bytes
 * @param sourceColumn the column naming each row in errors (default {@code path} when the table has one)
 * @param maxFileBytes with {@code readPaths}, the largest file read; a larger one is that row's error (default 256 MB)
 */
public record PredictOptions(int topK, int batch, int threads, String backend, boolean readPaths, String sourceColumn,
                             long maxFileBytes) implements Serializable {
    public PredictOptions {
        if (topK < 1) throw new IllegalArgumentException("topK must be ≥ 1, got " + topK);
        if (batch < 1) throw new IllegalArgumentException("batch must be ≥ 1, got " + batch);
        if (threads < 0) throw new IllegalArgumentException("threads must be ≥ 0 (0: spark.task.cpus), got " + threads);
        if (backend == null || backend.isBlank()) throw new IllegalArgumentException("backend must be named");
        if (maxFileBytes < 1) throw new IllegalArgumentException("maxFileBytes must be ≥ 1, got " + maxFileBytes);
    }

    /** The defaults: top 5, batches of 32, {@code spark.task.cpus} threads, backend auto, the column holds the data. */
    public static PredictOptions defaults() {
        return new PredictOptions(5, 32, 0, "auto", false, null, 256L << 20);
    }

    public PredictOptions topK(int k) {
        return new PredictOptions(k, batch, threads, backend, readPaths, sourceColumn, maxFileBytes);
    }

    public PredictOptions batch(int rows) {
        return new PredictOptions(topK, rows, threads, backend, readPaths, sourceColumn, maxFileBytes);
    }

    public PredictOptions threads(int n) {
        return new PredictOptions(topK, batch, n, backend, readPaths, sourceColumn, maxFileBytes);
    }

    public PredictOptions backend(String name) {
        return new PredictOptions(topK, batch, threads, name, readPaths, sourceColumn, maxFileBytes);
    }

    public PredictOptions readPaths(boolean paths) {
        return new PredictOptions(topK, batch, threads, backend, paths, sourceColumn, maxFileBytes);
    }

    public PredictOptions sourceColumn(String column) {
        return new PredictOptions(topK, batch, threads, backend, readPaths, column, maxFileBytes);
    }

    public PredictOptions maxFileBytes(long bytes) {
        return new PredictOptions(topK, batch, threads, backend, readPaths, sourceColumn, bytes);
    }
}
