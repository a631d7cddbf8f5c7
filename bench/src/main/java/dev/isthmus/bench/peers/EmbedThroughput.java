package dev.isthmus.bench.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import dev.isthmus.Isthmus;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.npy.Npy;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Embedding throughput of a sentence-transformer (tools/export_minilm.py's MiniLM-size model), isthmus against ONNX
 * Runtime Java on the same weights and the same padded batch of 32 texts × 128 tokens, in one process:
 *
 * <pre>
 *   EmbedThroughput DIR THREADS [ROUNDS [SECONDS]]
 * </pre>
 * isthmus as a service runs it: {@code Isthmus.load(DIR/model)} with the default backend and a {@link Session};
 * ONNX Runtime as {@link OrtEngine} sets it up (all graph optimisations, THREADS intra-op threads, sequential), on
 * {@code DIR/model.onnx}. Both are warmed for SECONDS, then ROUNDS rounds alternate which engine goes first, each
 * engine running batches for SECONDS; a round's throughput is texts / second. Prints one tab-separated line:
 * threads, isthmus median, ORT median, the ratio of medians, both engines' ranges and their largest deviation from
 * PyTorch's float64 embeddings ({@code out_sentence_embedding_b32.npy}).
 */
public final class EmbedThroughput {
    private EmbedThroughput() {
    }

    interface Engine {
        float[] run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 3;
        Tensor ids = Npy.read(dir.resolve("in_input_ids_b32.npy"), null);
        Tensor mask = Npy.read(dir.resolve("in_attention_mask_b32.npy"), null);
        float[] expected = Npy.read(dir.resolve("out_sentence_embedding_b32.npy"), null).toFloatArray();
        int batch = (int) ids.dim(0);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (Model model = Isthmus.load(dir.resolve("model"), Isthmus.options().threads(threads));
             Session session = model.newSession();
             SessionOptions o = new SessionOptions()) {
            o.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
            try (OrtSession ort = env.createSession(dir.resolve("model.onnx").toString(), o);
                 OnnxTensor oi = OnnxTensor.createTensor(env, LongBuffer.wrap(ids.toLongArray()), ids.shape());
                 OnnxTensor om = OnnxTensor.createTensor(env, LongBuffer.wrap(mask.toLongArray()), mask.shape())) {
                Map<String, Tensor> feed = new LinkedHashMap<>();
                feed.put("input_ids", ids);
                feed.put("attention_mask", mask);
                Map<String, OnnxTensor> ortFeed = Map.of("input_ids", oi, "attention_mask", om);
                Engine isthmus = () -> session.run(feed).get("sentence_embedding").toFloatArray();
                Engine onnx = () -> {
                    try (OrtSession.Result r = ort.run(ortFeed)) {
                        FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
                        float[] out = new float[b.remaining()];
                        b.get(out);
                        return out;
                    }
                };
                double devIsthmus = maxDiff(expected, isthmus.run()), devOrt = maxDiff(expected, onnx.run());
                rate(isthmus, batch, seconds);
                rate(onnx, batch, seconds);
                List<Double> a = new ArrayList<>(), b = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    if (r % 2 == 0) {
                        a.add(rate(isthmus, batch, seconds));
                        b.add(rate(onnx, batch, seconds));
                    } else {
                        b.add(rate(onnx, batch, seconds));
                        a.add(rate(isthmus, batch, seconds));
                    }
                    System.err.printf(Locale.ROOT, "round %d: isthmus %.1f, ORT %.1f texts/s%n", r + 1, a.getLast(), b.getLast());
                }
                double ma = median(a), mb = median(b);
                System.out.printf(Locale.ROOT, "%d\t%.1f\t%.1f\t%.2f\t%.1f–%.1f\t%.1f–%.1f\t%.1e\t%.1e\t%s%n", threads, ma, mb, ma / mb,
                        min(a), max(a), min(b), max(b), devIsthmus, devOrt, model.backendPolicy());
            }
        } catch (OrtException e) {
            System.err.println("ort: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Texts per second over batches run for about {@code seconds}. */
    static double rate(Engine e, int batch, double seconds) throws Exception {
        long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
        int n = 0;
        long now;
        do {
            e.run();
            n++;
            now = System.nanoTime();
        } while (now < end);
        return n * batch / ((now - t0) / 1e9);
    }

    static double maxDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalStateException("lengths " + a.length + " and " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> v) {
        return Arrays.stream(v.stream().mapToDouble(Double::doubleValue).toArray()).max().orElse(Double.NaN);
    }
}
