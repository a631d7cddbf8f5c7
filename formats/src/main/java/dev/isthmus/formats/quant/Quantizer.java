package dev.isthmus.formats.quant;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.ir.WeightSource;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Weight quantization: which parameters of a model are quantized, and how.
 *
 * <ul>
 * <li>Which: the weight matrices of {@code Linear}, {@code Conv1d} and {@code Conv2d} and the tables of
 * {@code Embedding} ({@code <name>.weight}: an int8 table has a scale per row, i.e. per token) and of
 * {@code GRU}, {@code LSTM} and {@code RNN} ({@code <name>.weight_ih_l*}, {@code <name>.weight_hh_l*}, an LSTM's projection
 * {@code <name>.weight_hr_l*}), and the four
 * projections of {@code TransformerEncoderLayer} / {@code TransformerEncoder} layers ({@code self_attn.in_proj_weight},
 * {@code self_attn.out_proj.weight}, {@code linear1.weight}, {@code linear2.weight}), when they are
 * floating point of rank ≥ 2 and no {@code get_attr} node also reads them. Everything else (biases, norms,
 * constants) stays as it is.</li>
 * <li>int8 ({@link DType#I8}): per output channel (row = dimension 0), symmetric: scale = max|w_row| / 127,
 * q = round-half-even(w / scale) clamped to [−127, 127]; a row of zeros gets scale 1 and q = 0. The file holds
 * {@code P} as I8 and {@code P_scale} ({@link Weights#SCALE_SUFFIX}) as F32 of shape [rows]; the engine reads it
 * back as q·scale.</li>
 * <li>bf16 ({@link DType#BF16}): {@code P} rounded to nearest even from F32 (NaN stays NaN).</li>
 * </ul>
 * The spec records what was done under {@link #SPEC_KEY} (see {@link #record}).
 */
public final class Quantizer {
    /** The spec's top-level key that records the quantization. */
    public static final String SPEC_KEY = "quantization";
    /** The int8 scheme's name, as the spec records it. */
    public static final String INT8_SCHEME = "per-channel-symmetric";
    /** The bf16 scheme's name. */
    public static final String BF16_SCHEME = "round-to-nearest-even";

    private Quantizer() {
    }

    /** The dtype a user names: {@code int8} or {@code bf16} (case-insensitive; also the safetensors names I8, BF16). */
    public static DType parseDType(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "int8", "i8" -> DType.I8;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new IllegalArgumentException("quantization dtype must be int8 or bf16, got '" + name + "'");
        };
    }

    /** How the spec names a dtype: {@code int8} or {@code bf16}. */
    public static String dtypeName(DType d) {
        return switch (d) {
            case I8 -> "int8";
            case BF16 -> "bf16";
            default -> throw new IllegalArgumentException("quantization dtype must be I8 or BF16, got " + d);
        };
    }

    /** The modules whose {@code <name>.weight} is quantized. */
    private static final Set<String> WEIGHT_MODULES = Set.of("Linear", "Conv1d", "Conv2d", "Embedding");
    /** The recurrent modules, whose {@code weight_ih_l*}, {@code weight_hh_l*} and {@code weight_hr_l*} are quantized. */
    private static final Set<String> RECURRENT_MODULES = Set.of("GRU", "LSTM", "RNN");
    /** Transformer layers (one, or a stack's {@code layers.N.}), whose four projection matrices are quantized. */
    private static final Set<String> ENCODER_MODULES = Set.of("TransformerEncoderLayer", "TransformerEncoder");
    private static final List<String> ENCODER_WEIGHTS = List.of("self_attn.in_proj_weight", "self_attn.out_proj.weight",
            "linear1.weight", "linear2.weight");

    /** The names of the parameters of {@code spec} that quantization converts, in the spec's order. */
    public static List<String> select(ModelSpec spec, WeightSource weights) {
        Set<String> constants = new LinkedHashSet<>();
        for (NodeSpec n : spec.nodes()) if (n.op().equals("get_attr") && n.name() != null) constants.add(n.name());
        Set<String> out = new LinkedHashSet<>();
        for (NodeSpec n : spec.nodes()) {
            if (WEIGHT_MODULES.contains(n.op())) {
                out.add(n.param("weight"));
            } else if (RECURRENT_MODULES.contains(n.op())) {
                List<String> names = new ArrayList<>(weights.names());
                names.sort(null);
                for (String name : names) {
                    if (name.startsWith(n.param("weight_ih_l")) || name.startsWith(n.param("weight_hh_l"))
                            || name.startsWith(n.param("weight_hr_l"))) {
                        out.add(name);
                    }
                }
            } else if (ENCODER_MODULES.contains(n.op())) {
                String prefix = n.param("");
                List<String> names = new ArrayList<>(weights.names());
                names.sort(null);
                for (String name : names) {
                    if (name.startsWith(prefix) && ENCODER_WEIGHTS.stream().anyMatch(name::endsWith)) out.add(name);
                }
            }
        }
        List<String> chosen = new ArrayList<>();
        for (String name : out) {
            if (constants.contains(name)) continue;
            Tensor t = weights.get(name);
            if (t == null || !t.dtype().isFloating() || t.isQuantized() || t.rank() < 2 || t.numel() == 0) continue;
            chosen.add(name);
        }
        return chosen;
    }

    /** A tensor quantized to {@code dtype}: a heap {@link Tensor#quantized} I8 tensor, or a heap BF16 tensor. */
    public static Tensor quantize(Tensor w, DType dtype) {
        float[] f = w.toFloatArray();
        long[] shape = w.shape();
        if (dtype == DType.BF16) {
            short[] b = new short[f.length];
            for (int i = 0; i < f.length; i++) b[i] = toBf16(f[i]);
            return Tensor.wrap(DType.BF16, shape, MemorySegment.ofArray(b));
        }
        if (dtype != DType.I8) throw new IllegalArgumentException("quantization dtype must be I8 or BF16, got " + dtype);
        int rows = (int) shape[0], rowLen = f.length / rows;
        byte[] q = new byte[f.length];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) scales[r] = quantizeRow(f, r * rowLen, rowLen, q);
        return Tensor.quantized(Tensor.wrap(DType.I8, shape, MemorySegment.ofArray(q)), scales);
    }

    /**
     * Quantizes {@code w[off, off + n)} into {@code q} at the same offsets; returns the row's scale: max|w| / 127 (as
     * a float), or 1 for a row of zeros. q = round-half-even(w / scale), clamped to [−127, 127]. A NaN or infinite
     * weight is refused (no scale represents it).
     */
    public static float quantizeRow(float[] w, int off, int n, byte[] q) {
        float max = 0f;
        for (int i = off; i < off + n; i++) {
            if (!Float.isFinite(w[i])) throw new IllegalArgumentException("weight " + w[i] + " cannot be quantized to int8");
            max = Math.max(max, Math.abs(w[i]));
        }
        if (max == 0f) {
            java.util.Arrays.fill(q, off, off + n, (byte) 0);
            return 1f; // a row of zeros: scale 1, q 0 (no 0/0)
        }
        float scale = Math.max(max / 127f, Float.MIN_VALUE); // a subnormal max/127 may round to 0
        for (int i = off; i < off + n; i++) {
            double v = Math.rint((double) w[i] / scale);
            q[i] = (byte) Math.max(-127, Math.min(127, v));
        }
        return scale;
    }

    /** F32 → BF16 bits, rounding to nearest even; NaN stays a (quiet) NaN of the same sign. */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }

    /** What the spec records: {@code {"dtype": "int8", "scheme": ..., "tensors": [...], "scales": "<P>_scale"}}. */
    public static Map<String, Object> record(DType dtype, List<String> tensors) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("dtype", dtypeName(dtype));
        r.put("scheme", dtype == DType.I8 ? INT8_SCHEME : BF16_SCHEME);
        if (dtype == DType.I8) {
            r.put("axis", 0);
            r.put("scales", "<tensor>" + Weights.SCALE_SUFFIX);
        }
        r.put("tensors", List.copyOf(tensors));
        return r;
    }

    /**
     * {@code weights} with the parameters {@link #select} picks quantized to {@code dtype} when they are first read
     * (then kept: the model holds them, 1 or 2 bytes per weight); everything else read through. For a load option:
     * the same model as {@code isthmus quantize} writes, without a file.
     */
    public static WeightSource atLoad(ModelSpec spec, WeightSource weights, DType dtype) {
        if (spec.extras().containsKey(SPEC_KEY)) throw alreadyQuantized(weights.source());
        Set<String> chosen = new LinkedHashSet<>(select(spec, weights));
        Map<String, Tensor> done = new ConcurrentHashMap<>();
        return new WeightSource() {
            @Override
            public Tensor get(String name) {
                if (!chosen.contains(name)) return weights.get(name);
                return done.computeIfAbsent(name, n -> {
                    Tensor t = quantize(weights.get(n), dtype);
                    weights.get(n).releasePages();
                    return t;
                });
            }

            @Override
            public Set<String> names() {
                return weights.names();
            }

            @Override
            public String source() {
                return weights.source() + " (quantized to " + dtypeName(dtype) + " at load)";
            }

            @Override
            public void releasePages() {
                weights.releasePages();
            }
        };
    }

    static ModelFormatException alreadyQuantized(String source) {
        return new ModelFormatException(source, null, "already-quantized", "already quantized (its spec has '" + SPEC_KEY
                + "'); quantize the F32 model instead");
    }
}
