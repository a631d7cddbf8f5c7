package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.backend.Backend;
import dev.isthmus.engine.errors.IsthmusException;
import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Node;
import dev.isthmus.engine.ir.ops.Linear;
import dev.isthmus.engine.ir.ops.Recurrent;
import dev.isthmus.engine.ir.ops.TransformerEncoder;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.Shape;

/**
 * oneDNN as {@code --backend auto} uses it: only where it is measured faster than the Java kernels on the machines
 * this project benchmarks (Zen 5, AVX-512; {@code bench/RESULTS.md}, "Default backend"). Convolutions, linear layers
 * and pooling run on Java: oneDNN was as fast at best (encoder 52.2 against 52.0 ms) and up to 2× slower (ResNet-18 at
 * batch 8 128 against 109 ms). A GRU runs on oneDNN from {@link #GRU_MIN_BATCH} sequences a call and on Java below
 * (seed GRU, 1 thread, `isthmus bench`, ms oneDNN against Java: batch 1 1.27 / 0.645, 4 2.12–2.19 / 1.85–1.91,
 * 8 3.40–3.41 / 3.69–3.71, 16 6.23–6.66 / 7.30–7.36, 32 9.60 / 10.8): the layer holds both and picks per input shape
 * ({@link ByBatch}). Where oneDNN's CPU has an int8 dot product ({@link #int8Accelerated}), a Transformer encoder with
 * int8 weights runs its projections on oneDNN's int8 matmul (2.8× the F32 encoder's speed here), an int8 Linear
 * layer does from {@link #INT8_MIN_ROWS} rows and {@link #INT8_MIN_MACS} multiply-adds ({@link ByRows}), and a GRU or
 * LSTM with int8 weights runs its input projections there and its steps on Java ({@link Int8Inputs}).
 *
 * <p>The library is loaded only when a node is claimed, so a model that keeps to Java never loads native code and
 * pays nothing for it. When oneDNN cannot load, nothing is claimed.
 */
final class OneDnnAutoBackend implements Backend {
    /** Sequences per call from which a GRU runs on oneDNN ({@code -Disthmus.auto.gruMinBatch}). */
    static final int GRU_MIN_BATCH = Integer.getInteger("isthmus.auto.gruMinBatch", 8);

    /** Rows from which an int8 Linear may run on oneDNN (one row is a matrix-vector product: Java's is faster). */
    static final int INT8_MIN_ROWS = 2;

    static final String POLICY = "the Java kernels, except GRU layers at batch ≥ " + GRU_MIN_BATCH
            + " on oneDNN (measured here: oneDNN is 0.89× the Java GRU's time at batch 32 and 2× at batch 1, "
            + "and no faster on convolutions, linear layers and pooling), and int8 products (Transformer encoders' "
            + "projections, Linear layers from " + INT8_MIN_ROWS + " rows, and GRU and LSTM layers' input projections) on oneDNN's "
            + "int8 matmul where the CPU has an int8 dot product (VNNI, AMX)";

    private final int threads;
    private OneDnnBackend inner;
    private boolean unavailable;

    OneDnnAutoBackend(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        this.threads = threads;
    }

    @Override
    public String name() {
        return OneDnnBackend.NAME;
    }

    @Override
    public String policy() {
        return POLICY + (unavailable ? "; oneDNN could not load, so Java runs all" : "");
    }

    @Override
    public String placement(Executable compiled) {
        if (compiled instanceof ByRows) return name() + " int8 from " + INT8_MIN_ROWS + " rows and " + INT8_MIN_MACS + " multiply-adds, else java";
        if (compiled instanceof Int8Inputs) return Int8Inputs.PLACEMENT;
        if (compiled instanceof ByBatch b) return name() + " at batch ≥ " + b.minBatch() + ", else java";
        return name();
    }

    @Override
    public Executable compile(Node node) {
        if (node.op() instanceof TransformerEncoder e && e.quantizedInt8()) {
            OneDnnBackend b = backend();
            return b != null && int8Accelerated(b.status().isa()) ? b.compile(node) : null;
        }
        if (node.op() instanceof Linear l && OneDnnInt8Linear.takes(l.weight())) {
            OneDnnBackend b = backend();
            if (b == null || !int8Accelerated(b.status().isa())) return null;
            Executable onednn = b.compile(node);
            return onednn == null ? null : new ByRows(node.op().compile(KernelProvider.get()), onednn, (long) l.inFeatures() * l.outFeatures());
        }
        if (!(node.op() instanceof Recurrent r)) return null;
        if (r.cell() != Recurrent.Cell.GRU && !r.quantizedInt8()) return null;
        OneDnnBackend b = backend();
        if (b == null) return null;
        // int8 weights: the input projections (all steps at once) in int8 on oneDNN, the steps on the Java kernels, at
        // every batch: faster than oneDNN's F32 GRU over widened weights from batch 8 up too (Int8Inputs)
        if (r.quantizedInt8() && int8Accelerated(b.status().isa())) return new Int8Inputs(b.int8Recurrent(node.label(), r));
        if (r.cell() != Recurrent.Cell.GRU) return null;
        // oneDNN's GRU copies the weights as F32: made only when a plan first needs it (a batch of GRU_MIN_BATCH or more),
        // so a model run on small batches never holds that copy
        return new ByBatch(node.op().compile(KernelProvider.get()), new OnFirstUse(() -> b.compile(node)), r.batchFirst(), GRU_MIN_BATCH);
    }

    /**
     * True when oneDNN runs int8 products on this CPU with an int8 dot-product instruction (VNNI on AVX2 or AVX-512,
     * or AMX): every ISA oneDNN names from {@code avx2_vnni} and {@code avx512_core_vnni} up. Below that, int8
     * multiplies widen in software and the Java kernels' widened F32 is the better path.
     */
    static boolean int8Accelerated(String isa) {
        if (isa == null) return false;
        return isa.contains("vnni") || isa.contains("bf16") || isa.contains("fp16") || isa.contains("amx") || isa.startsWith("avx10");
    }

    /** Whether oneDNN loads for the layers this backend would claim (loading it now if it has not yet). */
    boolean loads() {
        return backend() != null;
    }

    /** The oneDNN backend, opened at the first claim; null when it cannot load. */
    private synchronized OneDnnBackend backend() {
        if (inner == null && !unavailable) {
            try {
                inner = OneDnnBackend.open(threads);
            } catch (IsthmusException e) {
                unavailable = true;
            }
        }
        return inner;
    }

    @Override
    public synchronized void close() {
        if (inner != null) inner.close();
    }

    /**
     * Multiply-adds from which an int8 Linear runs on oneDNN's int8 matmul rather than the Java weight-only kernel,
     * given at least {@link #INT8_MIN_ROWS} rows ({@code -Disthmus.auto.int8MinMacs}). Measured here (1 thread, µs,
     * Java weight-only against oneDNN int8): the MNIST model's 9216 → 128 layer at 1 row 10.1 / 13.2, 2 rows 32.9 /
     * 14.5, 8 rows 133 / 33, 32 rows 307 / 134; its 128 → 10 layer at 8 rows (10K multiply-adds) 1.9 / 2.9; MiniLM's
     * layers at 128 rows: the whole model 59.5 against 10.0 ms.
     */
    static final long INT8_MIN_MACS = Long.getLong("isthmus.auto.int8MinMacs", 1L << 17);

    /**
     * A layer compiled twice, on the Java kernels and on oneDNN, run by the one {@link #pick} chooses for its first
     * input's shape. The choice is made per plan (one input shape), so each plan prepares only the executable it runs.
     */
    interface ByShape extends Executable {
        Executable java();

        Executable onednn();

        Executable pick(long[] firstInput);

        @Override
        default void run(dev.isthmus.engine.ir.Frame f) {
            pick(f.inShape[0]).run(f);
        }

        @Override
        default long scratchFloats(long[][] in, long[][] out) {
            return pick(in[0]).scratchFloats(in, out);
        }

        @Override
        default void prepare(dev.isthmus.engine.ir.Frame f) {
            pick(f.inShape[0]).prepare(f);
        }

        @Override
        default long heldBytes() {
            return java().heldBytes() + onednn().heldBytes();
        }
    }

    /**
     * An int8 Linear compiled twice, run by the Java weight-only kernel on small calls and by oneDNN's int8 matmul
     * from {@link #INT8_MIN_ROWS} rows and {@link #INT8_MIN_MACS} multiply-adds, chosen per plan (input shape).
     */
    record ByRows(Executable java, Executable onednn, long macsPerRow) implements ByShape {
        @Override
        public Executable pick(long[] x) {
            long rows = Shape.prod(x, 0, x.length - 1);
            return rows >= INT8_MIN_ROWS && rows * macsPerRow >= INT8_MIN_MACS ? onednn : java;
        }
    }

    /**
     * A recurrent layer with int8 weights whose input projections run on oneDNN's int8 matmul and whose steps run on
     * the Java kernels ({@link OneDnnBackend#int8Recurrent}), at every batch. Seed GRU at batch 1, 1 thread, int8: the
     * projections (50 steps × 100 and × 256 inputs → 768) took 0.33 ms of the layer's 1.14 ms in the Java weight-only
     * kernel. From batch 8, where an F32 GRU runs on oneDNN's, this form is still the faster for int8 weights (ms, this
     * against oneDNN's GRU over the weights widened to F32: batch 8 4.96–5.35 / 5.80–6.14, 16 10.2–10.4 / 11.2–12.1,
     * 32 21.7–21.9 / 23.4–23.9), and it never holds an F32 copy.
     */
    record Int8Inputs(Executable inner) implements Wrapped {
        static final String PLACEMENT = "java, with int8 input projections on " + OneDnnBackend.NAME;
    }

    /**
     * A recurrent layer compiled twice, run by the Java kernels below {@code minBatch} sequences and by oneDNN from
     * there.
     */
    record ByBatch(Executable java, Executable onednn, boolean batchFirst, int minBatch) implements ByShape {
        @Override
        public Executable pick(long[] x) {
            long batch = x.length == 2 ? 1 : batchFirst ? x[0] : x[1];
            return batch >= minBatch ? onednn : java;
        }
    }
}
