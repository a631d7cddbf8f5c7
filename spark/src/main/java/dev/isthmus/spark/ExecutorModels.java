package dev.isthmus.spark;

import dev.isthmus.Classifier;
import dev.isthmus.Isthmus;
import dev.isthmus.TextEmbedder;
import dev.isthmus.engine.runtime.Model;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models an executor JVM holds: each loaded once, on first use, and shared by every task the executor runs
 * (a model is safe to run from many threads); closed when the JVM ends.
 *
 * <p>Where an executor finds a model: a path it can read (a shared folder), a file shipped with
 * {@code spark-submit --files} (looked up by name in {@link SparkFiles}), a folder shipped with {@code --archives}
 * (extracted into the executor's working directory under its name), or a Hadoop file system URI (HDFS, S3), copied
 * to a local temporary folder first.
 */
final class ExecutorModels {
    /** What a model does with rows: classify them, or embed texts. Exactly one is set. */
    record Loaded(Classifier classifier, TextEmbedder embedder) {
    }

    private static final Map<String, Loaded> MODELS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "isthmus-models-close"));
    }

    private ExecutorModels() {
    }

    /** The model at {@code model} with these options, loaded by the first task that asks. */
    static Loaded get(String model, int threads, String backend, int batch, Map<String, String> hadoopConf) {
        return MODELS.computeIfAbsent(model + "\u0000" + threads + "\u0000" + backend,
                k -> load(model, threads, backend, batch, hadoopConf));
    }

    /** How long a new model may spend warming its kernels before its first rows (the other tasks wait meanwhile). */
    static final long WARM_UP_MILLIS = Long.getLong("isthmus.spark.warmupMillis", 3000);

    private static Loaded load(String model, int threads, String backend, int batch, Map<String, String> hadoopConf) {
        Path local = localPath(model, hadoopConf);
        Model m = Isthmus.load(local, Isthmus.options().threads(threads).backend(backend));
        try {
            if (m.outputNames().contains(TextEmbedder.OUTPUT)) return new Loaded(null, TextEmbedder.of(m, local, true));
            Classifier c = Classifier.of(m, local, true);
            // an executor lives for many rows: compile the kernels on one thread before they run on every task at once
            c.warmUp(batch, WARM_UP_MILLIS);
            return new Loaded(c, null);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    static Path localPath(String model, Map<String, String> hadoopConf) {
        URI uri = URI.create(model.replace(" ", "%20"));
        if (uri.getScheme() != null && !uri.getScheme().equals("file") && uri.getScheme().length() > 1) {
            return copyToLocal(model, hadoopConf);
        }
        Path p = uri.getScheme() != null && uri.getScheme().equals("file") ? Path.of(uri) : Path.of(model);
        if (Files.exists(p)) return p;
        Path name = p.getFileName();
        if (name != null) {
            Path shipped = shipped(name.toString());
            if (shipped != null) return shipped;
        }
        return p; // loading names it in its error
    }

    /** A file of {@code --files}, or a folder of {@code --archives} in the working directory; null when neither. */
    private static Path shipped(String name) {
        try {
            Path f = Path.of(SparkFiles.get(name));
            if (Files.exists(f)) return f;
        } catch (RuntimeException e) {
            // no SparkContext environment (not in a Spark JVM): nothing was shipped
        }
        Path archive = Path.of(name).toAbsolutePath();
        return Files.exists(archive) ? archive : null;
    }

    private static Path copyToLocal(String model, Map<String, String> hadoopConf) {
        try {
            org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(model);
            FileSystem fs = src.getFileSystem(HadoopConf.of(hadoopConf));
            Path dir = Files.createTempDirectory("isthmus-model-");
            dir.toFile().deleteOnExit();
            org.apache.hadoop.fs.Path dst = new org.apache.hadoop.fs.Path(dir.toUri().toString(), src.getName());
            fs.copyToLocalFile(false, src, dst, true);
            return dir.resolve(src.getName());
        } catch (IOException e) {
            throw new UncheckedIOException(model + ": cannot copy the model to this executor: " + e.getMessage(), e);
        }
    }

    private static void closeAll() {
        for (Loaded l : MODELS.values()) {
            try {
                if (l.classifier() != null) l.classifier().close();
                if (l.embedder() != null) l.embedder().close();
            } catch (RuntimeException e) {
                // the JVM is ending: nothing to report to
            }
        }
        MODELS.clear();
    }
}
