package dev.isthmus.spark;

import dev.isthmus.formats.json.Json;
import org.apache.spark.sql.Row;

import java.io.Serializable;
import java.util.List;

/**
 * The JSON line {@link PredictFiles} writes for one result row of {@link PartitionPredictor} (the input's columns,
 * then label, score, top, embedding, error): {@code {"file", "label", "score", "error"}} for a classifier, with
 * {@code "top"} (label and score of the best classes, best first) when asked for, {@code {"file", "embedding",
 * "error"}} for an embedding model. Absent values are {@code null}, so every line has the same keys in the same
 * order. Numbers are written as Java prints a float, the shortest text that reads back as the same float; NaN and
 * the infinities as strings, as Spark's JSON writer has them.
 */
final class JsonLines implements Serializable {
    private final boolean embeds, top;
    /** Where the result columns start in a row: after the input's own columns. */
    private final int first;

    JsonLines(boolean embeds, boolean top, int inputColumns) {
        this.embeds = embeds;
        this.top = top;
        this.first = inputColumns;
    }

    String line(String file, Row r) {
        StringBuilder b = new StringBuilder(96);
        b.append("{\"file\":");
        Json.quote(b, file);
        if (embeds) {
            b.append(",\"embedding\":");
            floats(b, r.isNullAt(first + 3) ? null : r.getList(first + 3));
        } else {
            b.append(",\"label\":");
            string(b, r.isNullAt(first) ? null : r.getString(first));
            b.append(",\"score\":");
            if (r.isNullAt(first + 1)) b.append("null");
            else number(b, r.getFloat(first + 1));
            if (top) {
                b.append(",\"top\":");
                if (r.isNullAt(first + 2)) b.append("null");
                else scores(b, r.getList(first + 2));
            }
        }
        b.append(",\"error\":");
        string(b, r.isNullAt(first + 4) ? null : r.getString(first + 4));
        return b.append('}').toString();
    }

    private static void string(StringBuilder b, String s) {
        if (s == null) b.append("null");
        else Json.quote(b, s);
    }

    /** A float as Java prints it; NaN and the infinities, which JSON has no number for, as strings ("NaN"). */
    private static void number(StringBuilder b, float x) {
        if (Float.isFinite(x)) b.append(x);
        else b.append('"').append(x).append('"');
    }

    private static void floats(StringBuilder b, List<Float> v) {
        if (v == null) {
            b.append("null");
            return;
        }
        b.append('[');
        for (int i = 0; i < v.size(); i++) {
            if (i > 0) b.append(',');
            number(b, v.get(i));
        }
        b.append(']');
    }

    private static void scores(StringBuilder b, List<Row> v) {
        b.append('[');
        for (int i = 0; i < v.size(); i++) {
            Row s = v.get(i);
            b.append(i == 0 ? "{\"label\":" : ",{\"label\":");
            string(b, s.getString(0));
            b.append(",\"score\":");
            number(b, s.getFloat(1));
            b.append('}');
        }
        b.append(']');
    }
}
