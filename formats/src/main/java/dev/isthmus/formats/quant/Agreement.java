package dev.isthmus.formats.quant;

import dev.isthmus.Classifier;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * How closely a quantized model follows its F32 original on real inputs: the share of inputs given the same best
 * class, and the cosine similarity of the two models' output rows (logits).
 *
 * @param inputs   inputs both models ran
 * @param failed   inputs that could not be read or run (left out of the rest)
 * @param sameTop1 inputs whose best class is the same in both
 * @param meanCos  mean cosine similarity of the output rows
 * @param minCos   the lowest cosine similarity
 * @param maxDiff  the largest absolute difference between two corresponding output values
 */
public record Agreement(int inputs, int failed, int sameTop1, double meanCos, double minCos, double maxDiff) {
    /**
     * Runs both classifiers on the inputs, {@code batch} at a time; {@code decode} makes an input (the original's
     * preprocessing, which the quantized copy shares).
     */
    public static <T> Agreement measure(Classifier original, Classifier quantized, List<T> items,
                                        Function<T, Classifier.Input> decode, int batch) {
        int n = 0, failed = 0, same = 0;
        double cosSum = 0, cosMin = Double.POSITIVE_INFINITY, maxDiff = 0;
        for (int start = 0; start < items.size(); start += batch) {
            List<Classifier.Input> in = new ArrayList<>();
            for (T t : items.subList(start, Math.min(items.size(), start + batch))) in.add(decode.apply(t));
            float[][] a = original.outputs(in), b = quantized.outputs(in);
            for (int i = 0; i < in.size(); i++) {
                if (a[i] == null || b[i] == null) {
                    failed++;
                    continue;
                }
                n++;
                if (argmax(a[i]) == argmax(b[i])) same++;
                double dot = 0, na = 0, nb = 0;
                for (int k = 0; k < a[i].length; k++) {
                    dot += (double) a[i][k] * b[i][k];
                    na += (double) a[i][k] * a[i][k];
                    nb += (double) b[i][k] * b[i][k];
                    maxDiff = Math.max(maxDiff, Math.abs((double) a[i][k] - b[i][k]));
                }
                double cos = na == 0 || nb == 0 ? (na == nb ? 1 : 0) : dot / Math.sqrt(na * nb);
                cosSum += cos;
                cosMin = Math.min(cosMin, cos);
            }
        }
        return new Agreement(n, failed, same, n == 0 ? Double.NaN : cosSum / n, n == 0 ? Double.NaN : cosMin, maxDiff);
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
