package dev.isthmus.engine.kernels;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets the kernels a model will run compiled by C2 before its first run. Vector API code is interpreted until C2
 * compiles it, and interpreted it boxes every vector (about 1000× slower); C2 compiles a method once it has run often
 * enough. Run on tiny shapes, the same kernels reach that count in a fraction of the time, so a model starts this on a
 * background thread while it reads and packs its weights, and its first run finds them compiled. Every variant a run
 * may take is exercised (epilogues, edge tiles, masks), so C2's profile has seen them and the first run does not fall
 * back to the interpreter on a branch the warm-up missed.
 *
 * <p>Results are discarded; the inputs are random. {@link #stop()} ends it early (between kernel calls).
 */
public final class KernelWarmup {
    /**
     * Kernel families, by what a model's ops run. Only the Transformer's and the int8 products' are warmed: measured
     * with bench/cold-start, the encoder's first result came 1.0 s sooner (3.3 → 2.2 s); warming the convolutions
     * (every path on tiny images) made ResNet-50's and the MNIST example's first result later (4.7 → 5.6 s,
     * 1.4 → 2.5 s), their full-size calls compiling other loops than the tiny ones. {@link #INT8}: the rows quantized
     * before and converted after a backend's int8 product ({@link KernelProvider#quantizeRows},
     * {@link KernelProvider#dequantizeRows}), which an int8 model's first run otherwise runs interpreted.
     */
    public enum Family { GEMM, ENCODER, INT8 }

    /**
     * Rounds: enough for C2 (its thresholds are counted per method, in calls and loop iterations). Measured on the
     * encoder (bench/cold-start): 30 rounds left 0.6–0.7 s of compiling in the first run, 100 left 0.07–0.15 s, 200
     * no better. Stopping once rounds stopped getting faster (15 or 30 in a row within 2× the fastest) ended too
     * early on a busy machine (first runs of 1.2–1.5 s).
     */
    static final int ROUNDS = Integer.getInteger("isthmus.warmup.rounds", 100);

    /**
     * How long a model build waits at most for its warm-up to finish ({@code -Disthmus.warmup.wait}, ms). It usually
     * takes 1–2 s here, most of it beside the weights' packing.
     */
    public static final long MAX_WAIT_MILLIS = Long.getLong("isthmus.warmup.wait", 20_000);

    private final KernelProvider k;
    private final Set<Family> families;
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile Thread thread;

    private KernelWarmup(KernelProvider k, Set<Family> families) {
        this.k = k;
        this.families = families.isEmpty() ? EnumSet.noneOf(Family.class) : EnumSet.copyOf(families);
    }

    /** Whether warming is on: {@code -Disthmus.warmup=false} turns it off. */
    public static boolean enabled() {
        return !"false".equals(System.getProperty("isthmus.warmup"));
    }

    /** Starts warming these families on a daemon thread (nothing when disabled, or when the provider has no {@link Warmer}). */
    public static KernelWarmup start(KernelProvider k, Set<Family> families) {
        KernelWarmup w = new KernelWarmup(k, families);
        if (!enabled() || w.families.isEmpty() || k.warmer() == null) return w;
        Thread t = new Thread(w::run, "isthmus-warmup");
        t.setDaemon(true);
        w.thread = t;
        t.start();
        return w;
    }

    /** Asks the thread to end after its current kernel call. */
    public void stop() {
        stop.set(true);
    }

    /** Waits up to {@code millis} for the warm-up to finish; true when it has. */
    public boolean await(long millis) {
        Thread t = thread;
        if (t == null) return true;
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    private void run() {
        try {
            Warmer w = k.warmer();
            for (int r = 0; w != null && r < ROUNDS && !stop.get(); r++) w.round(families, r);
        } catch (RuntimeException | Error e) {
            // warming is an optimisation: a failure here must never reach the model (VectorWarmupTest runs it)
        }
    }

    /** A provider's exercises: one round runs each given family's kernels once on tiny shapes. */
    public interface Warmer {
        void round(Set<Family> families, int round);
    }
}
