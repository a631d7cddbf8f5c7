package dev.isthmus.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.List;

/**
 * isthmus on a Spark table: adds a model's results to every row.
 *
 * <pre>{@code
 * Dataset<Row> files = spark.read().format("binaryFile").load("s3a://bucket/photos/");
 * Dataset<Row> labelled = Predictions.predict(files, "/models/mnist", "content");
 * labelled.select("path", "label", "score", "error").write().json("s3a://bucket/labels/");
 * }</pre>
 *
 * The column holds, per row, what the model reads: a file's bytes (binary: images, {@code .npy}/{@code .csv}
 * sequences, UTF-8 text), a text (string: text classifiers and embedding models), preprocessed numbers (an array of
 * floats or doubles: one image's C·H·W values or a sequence's steps × features), or, with
 * {@link PredictOptions#readPaths}, a file's path. Added columns:
 * <ul>
 *   <li>{@code label} (string), {@code score} (float): the best class and its probability (classifiers);</li>
 *   <li>{@code top} (array of struct label, score): the {@link PredictOptions#topK} best, best first;</li>
 *   <li>{@code embedding} (array of float): the text's vector (embedding models, e.g. a sentence-transformers folder);</li>
 *   <li>{@code error} (string): why this row has no result, or null. A bad row never fails the job.</li>
 * </ul>
 * Each executor loads the model once and shares it between its tasks ({@link ExecutorModels}); rows run in batches
 * of {@link PredictOptions#batch} per partition, in a model with {@code spark.task.cpus} threads unless set.
 */
public final class Predictions {
    /** The columns {@link #predict} adds, in order. */
    public static final List<String> COLUMNS = List.of("label", "score", "top", "embedding", "error");

    static final StructType SCORE = new StructType()
            .add("label", DataTypes.StringType)
            .add("score", DataTypes.FloatType);

    private Predictions() {
    }

    /** {@link #predict(Dataset, String, String, PredictOptions)} with the defaults. */
    public static Dataset<Row> predict(Dataset<Row> rows, String model, String column) {
        return predict(rows, model, column, PredictOptions.defaults());
    }

    /**
     * The rows with the model's results added (see the class comment). {@code model} is a path every executor can
     * read, a file or folder shipped with {@code --files} / {@code --archives} (by name), or a Hadoop URI.
     *
     * @throws IllegalArgumentException when the column is missing or of a type no model reads, or a result column
     *                                  already exists
     */
    public static Dataset<Row> predict(Dataset<Row> rows, String model, String column, PredictOptions options) {
        StructType in = rows.schema();
        int col = indexOf(in, column);
        DataType t = in.fields()[col].dataType();
        PartitionPredictor.InputKind kind;
        if (options.readPaths()) {
            if (!(t instanceof StringType)) throw new IllegalArgumentException("column '" + column + "' must hold paths (string), it is " + t.simpleString());
            kind = PartitionPredictor.InputKind.PATH;
        } else if (t instanceof BinaryType) {
            kind = PartitionPredictor.InputKind.BYTES;
        } else if (t instanceof StringType) {
            kind = PartitionPredictor.InputKind.TEXT;
        } else if (t instanceof ArrayType a && (a.elementType() instanceof FloatType || a.elementType() instanceof DoubleType)) {
            kind = PartitionPredictor.InputKind.NUMBERS;
        } else {
            throw new IllegalArgumentException("column '" + column + "' is " + t.simpleString() + "; isthmus reads binary (file bytes), "
                    + "string (texts, or paths with readPaths) or array<float|double> (preprocessed numbers)");
        }
        for (String c : COLUMNS) {
            if (Arrays.asList(in.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("the table already has a column '" + c + "'; rename it before predict");
            }
        }
        String source = options.sourceColumn() != null ? options.sourceColumn()
                : Arrays.asList(in.fieldNames()).contains("path") ? "path" : null;
        int sourceIndex = source == null ? -1 : indexOf(in, source);
        StructType out = in
                .add(new StructField("label", DataTypes.StringType, true, org.apache.spark.sql.types.Metadata.empty()))
                .add(new StructField("score", DataTypes.FloatType, true, org.apache.spark.sql.types.Metadata.empty()))
                .add(new StructField("top", DataTypes.createArrayType(SCORE, false), true, org.apache.spark.sql.types.Metadata.empty()))
                .add(new StructField("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true, org.apache.spark.sql.types.Metadata.empty()))
                .add(new StructField("error", DataTypes.StringType, true, org.apache.spark.sql.types.Metadata.empty()));
        var hadoop = HadoopConf.entries(rows.sparkSession().sparkContext().hadoopConfiguration());
        PartitionPredictor f = new PartitionPredictor(model, options, kind, col, sourceIndex, hadoop);
        return rows.mapPartitions(f, Encoders.row(out));
    }

    private static int indexOf(StructType schema, String column) {
        List<String> names = Arrays.asList(schema.fieldNames());
        int i = names.indexOf(column);
        if (i < 0) throw new IllegalArgumentException("no column '" + column + "' in " + names);
        return i;
    }
}
