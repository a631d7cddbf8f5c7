package dev.isthmus.formats.sequence;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.TextFiles;
import dev.isthmus.formats.npy.Npy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sequence inputs from files: {@code .npy} (shape (steps, features), or (features) for one step) or {@code .csv}
 * (one row per time step, comma-separated numbers; a first row that isn't numeric is taken as a header).
 */
public final class SequenceFiles {
    private SequenceFiles() {
    }

    /** Reads a sequence as an F32 tensor (steps, features) whose width must be {@code features} (−1 = any). */
    public static Tensor read(Path file, long features) {
        String source = file.toString();
        Tensor t = isCsv(source) ? parseCsv(source, TextFiles.readUtf8(file)) : Npy.read(file, null);
        return checked(source, t, features);
    }

    /**
     * The same from a file's bytes (e.g. a row of a table of files): {@code source} names it in errors, and its
     * extension says whether the bytes are CSV ({@code .csv}) or npy (anything else).
     */
    public static Tensor read(String source, byte[] bytes, long features) {
        Tensor t = isCsv(source) ? parseCsv(source, TextFiles.decode(source, bytes)) : Npy.read(source, bytes);
        return checked(source, t, features);
    }

    private static boolean isCsv(String source) {
        return source.toLowerCase(java.util.Locale.ROOT).endsWith(".csv");
    }

    private static Tensor checked(String source, Tensor t, long features) {
        if (!isCsv(source)) {
            if (!t.dtype().isFloating() && !t.dtype().isInteger()) {
                throw new ModelFormatException(source, null, "sequence-dtype", "a sequence must hold numbers, this is " + t.dtype());
            }
            if (t.rank() == 1) t = t.reshape(1, t.dim(0));
            if (t.rank() != 2) {
                throw new ModelFormatException(source, null, "sequence-shape", "a sequence must be (steps, features), this is "
                        + dev.isthmus.engine.tensor.Shape.toString(t.shape()));
            }
            t = t.dtype() == dev.isthmus.engine.tensor.DType.F32 ? t : t.toF32(null);
        }
        if (t.dim(0) == 0) throw new ModelFormatException(source, null, "sequence-shape", "the sequence has no steps");
        if (features >= 0 && t.dim(1) != features) {
            throw new ModelFormatException(source, null, "sequence-width", "each step has " + t.dim(1)
                    + " features, the model needs " + features);
        }
        return t;
    }

    private static Tensor parseCsv(String file, String text) {
        List<String> lines = text.lines().toList();
        List<float[]> rows = new ArrayList<>();
        int width = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] cells = line.split("\\s*,\\s*", -1);
            float[] row = new float[cells.length];
            try {
                for (int k = 0; k < cells.length; k++) row[k] = Float.parseFloat(cells[k]);
            } catch (NumberFormatException e) {
                if (rows.isEmpty() && width < 0) {
                    width = cells.length; // header row
                    continue;
                }
                throw new ModelFormatException(file, null, "csv-number", "line " + (i + 1) + ": not a number: " + e.getMessage());
            }
            if (width >= 0 && cells.length != width) {
                throw new ModelFormatException(file, null, "csv-width", "line " + (i + 1) + " has " + cells.length
                        + " values, earlier lines have " + width);
            }
            width = cells.length;
            rows.add(row);
        }
        if (rows.isEmpty()) throw new ModelFormatException(file, null, "sequence-shape", "the CSV file has no rows of numbers");
        float[] data = new float[rows.size() * width];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, data, i * width, width);
        return Tensor.ofFloats(data, rows.size(), width);
    }
}
