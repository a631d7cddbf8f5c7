package dev.isthmus.spark;

import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.RowFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * The {@code isthmus predict} job on Spark: every file under INPUT (recursively) through a model, one JSON line per
 * file under OUTPUT (Spark's part files): {@code {"file", "label", "score", "error"}} for classifiers (with
 * {@code "top"} when {@code --top-k} is above 1), {@code {"file", "embedding", "error"}} for embedding models (files
 * and folders whose names start with {@code .} or {@code _} are skipped, as Spark does). A file
 * that cannot be read or decoded is a line with its {@code error}; the job goes on.
 *
 * <pre>
 * spark-submit --class dev.isthmus.spark.PredictFiles isthmus-spark.jar MODEL INPUT OUTPUT [--top-k K] [--batch B]
 *     [--threads N] [--partitions N] [--backend NAME]
 * </pre>
 *
 * The driver lists the files (Hadoop's file system: local, HDFS, S3); the executors read each file themselves, so an
 * empty, unreadable or oversized file is a row's error rather than a missing row or a failed task. The list is spread
 * over {@code --partitions} tasks (default: four per core of the cluster).
 */
public final class PredictFiles {
    private PredictFiles() {
    }

    static final String USAGE = "usage: PredictFiles MODEL INPUT OUTPUT [--top-k K] [--batch B] [--threads N] [--partitions N] [--backend NAME]";

    /** Parsed command line. */
    record Args(String model, String input, String output, PredictOptions options, int partitions) {
        static Args parse(String[] a) {
            List<String> pos = new ArrayList<>();
            PredictOptions o = PredictOptions.defaults().topK(1).readPaths(true).sourceColumn("path");
            int partitions = 0;
            for (int i = 0; i < a.length; i++) {
                String s = a[i];
                if (s.equals("-h") || s.equals("--help")) throw new IllegalArgumentException(USAGE);
                if (!s.startsWith("--")) {
                    pos.add(s);
                    continue;
                }
                if (i + 1 >= a.length) throw new IllegalArgumentException(s + " needs a value\n" + USAGE);
                String v = a[++i];
                switch (s) {
                    case "--top-k" -> o = o.topK(positive(s, v));
                    case "--batch" -> o = o.batch(positive(s, v));
                    case "--threads" -> o = o.threads(positive(s, v));
                    case "--partitions" -> partitions = positive(s, v);
                    case "--backend" -> o = o.backend(v.toLowerCase(Locale.ROOT));
                    default -> throw new IllegalArgumentException("unknown option " + s + "\n" + USAGE);
                }
            }
            if (pos.size() != 3) throw new IllegalArgumentException("expected MODEL INPUT OUTPUT, got " + pos + "\n" + USAGE);
            return new Args(pos.get(0), pos.get(1), pos.get(2), o, partitions);
        }

        private static int positive(String option, String v) {
            try {
                int n = Integer.parseInt(v);
                if (n >= 1) return n;
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException(option + " must be a whole number ≥ 1, got '" + v + "'");
        }
    }

    public static void main(String[] argv) {
        Args args;
        try {
            args = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        // a SparkContext, not a SparkSession: the job is plain RDDs, so Spark SQL's session, planner and code
        // generation are never loaded (2-3 s of a local run on 10,000 files, most of it compiling their code)
        SparkContext sc = SparkContext.getOrCreate(new SparkConf().setAppName("isthmus PredictFiles"));
        int status = 0;
        try {
            long t0 = System.nanoTime();
            long files = run(sc, args);
            System.err.printf(Locale.ROOT, "PredictFiles: %d files in %.1f s → %s%n", files, (System.nanoTime() - t0) / 1e9, args.output());
        } catch (Exception e) { // Spark's Scala code throws checked ones too (an existing OUTPUT: FileAlreadyExistsException)
            // the model, the input folder or the output folder: one line (a row's failure is that row's error instead)
            System.err.println("PredictFiles: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            status = 1;
        } finally {
            sc.stop();
        }
        if (status != 0) System.exit(status);
    }

    /** Runs the job in {@code sc}; returns how many files it labelled or reported. */
    static long run(SparkContext sc, Args args) {
        refuseExisting(sc, args.output()); // before the listing and the model, which may take a while
        long t0 = System.nanoTime();
        List<String> listed = InputFiles.list(args.input(), sc.hadoopConfiguration());
        System.err.printf(Locale.ROOT, "PredictFiles: listed %d files in %.1f s%n", listed.size(), (System.nanoTime() - t0) / 1e9);
        int partitions = args.partitions() > 0 ? args.partitions() : 4 * sc.defaultParallelism();
        JavaRDD<String> paths = JavaSparkContext.fromSparkContext(sc)
                .parallelize(listed, Math.max(1, Math.min(partitions, listed.size())));
        // the keys of this model's kind: label and score for a classifier, embedding for an embedding model (the
        // driver loads the model once to know; in local mode the tasks then share that copy)
        int threads = args.options().threads() > 0 ? args.options().threads() : sc.getConf().getInt("spark.task.cpus", 1);
        HashMap<String, String> hadoop = HadoopConf.entries(sc.hadoopConfiguration());
        long m0 = System.nanoTime();
        boolean embeds = ExecutorModels.get(args.model(), threads, args.options().backend(), args.options().batch(), hadoop).embedder() != null;
        System.err.printf(Locale.ROOT, "PredictFiles: model opened on the driver in %.1f s (%s)%n", (System.nanoTime() - m0) / 1e9,
                embeds ? "embeddings" : "labels");
        // rows of one column, the path (read by the executors), through the same partition runner as Predictions
        PartitionPredictor predictor = new PartitionPredictor(args.model(), args.options(), PartitionPredictor.InputKind.PATH, 0, 0, hadoop);
        JsonLines json = new JsonLines(embeds, args.options().topK() > 1, 1);
        paths.mapPartitions(files -> mapped(predictor.call(mapped(files, RowFactory::create)), r -> json.line(r.getString(0), r)))
                .saveAsTextFile(args.output());
        return listed.size();
    }

    /** {@code in} with {@code f} applied to each element as it is taken. */
    private static <A, B> Iterator<B> mapped(Iterator<A> in, java.util.function.Function<A, B> f) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return in.hasNext();
            }

            @Override
            public B next() {
                return f.apply(in.next());
            }
        };
    }

    /** Spark writes a new folder: an existing OUTPUT is refused (Spark would too, but only once the job starts). */
    private static void refuseExisting(SparkContext sc, String output) {
        try {
            Path out = new Path(output);
            if (out.getFileSystem(sc.hadoopConfiguration()).exists(out)) {
                throw new IllegalArgumentException(output + ": the output folder exists; give a new one (the job writes its part files there)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(output + ": cannot check the output folder: " + e.getMessage(), e);
        }
    }
}
