package dev.isthmus.spark;

import dev.isthmus.Classifier;
import dev.isthmus.TextEmbedder;
import dev.isthmus.engine.errors.IsthmusException;
import dev.isthmus.formats.TextFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Runs one partition: rows in batches through the executor's shared model, each row out with its result or its
 * error. Rows stream: a batch is read, run and handed on before the next is read.
 */
final class PartitionPredictor implements MapPartitionsFunction<Row, Row> {
    /** What the input column holds. */
    enum InputKind { BYTES, TEXT, NUMBERS, PATH }

    private final String model;
    private final PredictOptions options;
    private final InputKind kind;
    private final int column, sourceColumn;
    private final HashMap<String, String> hadoopConf;
    /** Built from {@link #hadoopConf} once per task, on the executor (a Configuration is not serializable). */
    private transient Configuration conf;

    PartitionPredictor(String model, PredictOptions options, InputKind kind, int column, int sourceColumn, HashMap<String, String> hadoopConf) {
        this.model = model;
        this.options = options;
        this.kind = kind;
        this.column = column;
        this.sourceColumn = sourceColumn;
        this.hadoopConf = hadoopConf;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskContext task = TaskContext.get();
        int threads = options.threads() > 0 ? options.threads() : task != null ? Math.max(1, task.cpus()) : 1;
        ExecutorModels.Loaded loaded = ExecutorModels.get(model, threads, options.backend(), options.batch(), hadoopConf);
        return new Iterator<>() {
            private final List<Row> done = new ArrayList<>();
            private int next;
            private long index = 0;

            @Override
            public boolean hasNext() {
                if (next < done.size()) return true;
                done.clear();
                next = 0;
                List<Row> batch = new ArrayList<>();
                while (rows.hasNext() && batch.size() < options.batch()) batch.add(rows.next());
                if (batch.isEmpty()) return false;
                done.addAll(run(loaded, batch, index));
                index += batch.size();
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return done.get(next++);
            }
        };
    }

    /** A row's value as bytes, text or numbers, or the reason it has none. */
    private record Cell(String source, byte[] bytes, String text, float[] numbers, String error) {
    }

    private List<Row> run(ExecutorModels.Loaded loaded, List<Row> batch, long firstIndex) {
        List<Cell> cells = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) cells.add(cell(batch.get(i), firstIndex + i));
        List<Row> out = new ArrayList<>(batch.size());
        if (loaded.embedder() != null) {
            List<float[]> vectors = embed(loaded.embedder(), cells);
            for (int i = 0; i < batch.size(); i++) {
                Cell c = cells.get(i);
                String error = c.error;
                float[] v = vectors.get(i);
                if (error == null && v == null) error = c.source + ": no embedding";
                out.add(with(batch.get(i), null, null, null, error == null ? floats(v) : null, error));
            }
            return out;
        }
        Classifier cl = loaded.classifier();
        List<Classifier.Input> inputs = new ArrayList<>(cells.size());
        for (Cell c : cells) {
            if (c.error != null) inputs.add(cl.failed(c.source, c.error));
            else if (c.bytes != null) inputs.add(cl.bytes(c.source, c.bytes));
            else if (c.text != null) inputs.add(cl.text(c.source, c.text));
            else inputs.add(cl.floats(c.source, c.numbers));
        }
        List<Classifier.Prediction> results = cl.classify(inputs, options.topK());
        for (int i = 0; i < batch.size(); i++) {
            Classifier.Prediction p = results.get(i);
            if (p.error() != null) {
                out.add(with(batch.get(i), null, null, null, null, p.error()));
                continue;
            }
            List<Row> top = new ArrayList<>();
            for (Classifier.Score s : p.top()) top.add(RowFactory.create(s.label(), s.score()));
            out.add(with(batch.get(i), p.label(), p.score(), CollectionConverters.asScala(top).toSeq(), null, null));
        }
        return out;
    }

    /** Texts in one call; when one text fails, each is embedded alone so the others keep their vectors. */
    private static List<float[]> embed(TextEmbedder embedder, List<Cell> cells) {
        List<float[]> out = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            out.add(null);
            Cell c = cells.get(i);
            if (c.error != null) continue;
            if (c.numbers != null) {
                cells.set(i, new Cell(c.source, null, null, null, c.source + ": an embedding model reads text, not numbers"));
                continue;
            }
            String text = c.text;
            if (text == null) {
                try {
                    text = TextFiles.decode(c.source, c.bytes);
                } catch (IsthmusException e) {
                    cells.set(i, new Cell(c.source, null, null, null, e.getMessage()));
                    continue;
                }
            }
            texts.add(text);
            at.add(i);
        }
        if (texts.isEmpty()) return out;
        try {
            float[][] v = embedder.embed(texts);
            for (int k = 0; k < v.length; k++) out.set(at.get(k), v[k]);
        } catch (IsthmusException e) { // a text over the tokenizer's budget (TokenizerInputException), or a refused batch
            for (int k = 0; k < texts.size(); k++) {
                int i = at.get(k);
                try {
                    out.set(i, embedder.embed(texts.get(k)));
                } catch (IsthmusException one) {
                    Cell c = cells.get(i);
                    cells.set(i, new Cell(c.source, null, null, null, c.source + ": " + one.getMessage()));
                }
            }
        }
        return out;
    }

    private Cell cell(Row row, long index) {
        String source = sourceColumn >= 0 && !row.isNullAt(sourceColumn) ? String.valueOf(row.get(sourceColumn)) : "row " + index;
        if (row.isNullAt(column)) return new Cell(source, null, null, null, source + ": no input (null)");
        return switch (kind) {
            case BYTES -> new Cell(source, row.getAs(column), null, null, null);
            case TEXT -> new Cell(source, null, row.getString(column), null, null);
            case NUMBERS -> numbers(source, row.getList(column));
            case PATH -> read(sourceColumn >= 0 ? source : row.getString(column), row.getString(column));
        };
    }

    private static Cell numbers(String source, List<Object> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            if (!(values.get(i) instanceof Number n)) return new Cell(source, null, null, null, source + ": element " + i + " is null");
            f[i] = n.floatValue();
        }
        return new Cell(source, null, null, f, null);
    }

    /**
     * A file's bytes; a missing, unreadable or too large file is the row's error. Local files ({@code file:} or no
     * scheme) are read directly, others through Hadoop's file system (HDFS, S3, ...).
     */
    private Cell read(String source, String path) {
        long max = Math.min(options.maxFileBytes(), Integer.MAX_VALUE - 8);
        try {
            Path p = new Path(path);
            String scheme = p.toUri().getScheme();
            if (scheme == null || scheme.equals("file")) {
                java.nio.file.Path f = java.nio.file.Path.of(p.toUri().getPath());
                if (!java.nio.file.Files.isRegularFile(f)) return new Cell(source, null, null, null, source + ": not a regular file");
                long len = java.nio.file.Files.size(f);
                if (len > max) return tooLarge(source, len);
                return new Cell(source, java.nio.file.Files.readAllBytes(f), null, null, null);
            }
            if (conf == null) conf = HadoopConf.of(hadoopConf);
            FileSystem fs = p.getFileSystem(conf);
            FileStatus st = fs.getFileStatus(p);
            if (!st.isFile()) return new Cell(source, null, null, null, source + ": not a regular file");
            if (st.getLen() > max) return tooLarge(source, st.getLen());
            byte[] b = new byte[(int) st.getLen()];
            try (FSDataInputStream in = fs.open(p)) {
                in.readFully(0, b);
            }
            return new Cell(source, b, null, null, null);
        } catch (IOException | IllegalArgumentException | OutOfMemoryError e) {
            return new Cell(source, null, null, null, source + ": cannot read: " + e.getMessage());
        }
    }

    private Cell tooLarge(String source, long len) {
        return new Cell(source, null, null, null, source + ": the file is " + len + " bytes, more than the "
                + options.maxFileBytes() + " a row may read (maxFileBytes)");
    }

    private static scala.collection.immutable.Seq<Float> floats(float[] v) {
        List<Float> l = new ArrayList<>(v.length);
        for (float x : v) l.add(x);
        return CollectionConverters.asScala(l).toSeq();
    }

    private static Row with(Row row, String label, Float score, Object top, Object embedding, String error) {
        Object[] values = new Object[row.length() + 5];
        for (int i = 0; i < row.length(); i++) values[i] = row.get(i);
        int n = row.length();
        values[n] = label;
        values[n + 1] = score;
        values[n + 2] = top;
        values[n + 3] = embedding;
        values[n + 4] = error;
        return RowFactory.create(values);
    }
}
