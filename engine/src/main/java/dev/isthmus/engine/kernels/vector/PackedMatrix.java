package dev.isthmus.engine.kernels.vector;

import dev.isthmus.engine.parallel.ComputePool;
import dev.isthmus.engine.tensor.Tensor;

import java.util.Objects;

/**
 * A matrix operand of {@link PackedGemm} packed once into panels: {@code count} rows of a row-major (count × depth)
 * source are cut into panels of {@code width} consecutive rows; within a panel the layout is depth-major, so element
 * (row r, depth p) sits at {@code panel(r)·depth·width + p·width + r % width}. The last panel is zero-padded.
 *
 * <p>As the right operand B (packed with {@link #forB}) the rows are the output columns: a {@code torch.nn.Linear}
 * weight (out, in) is exactly (N × K), so Wᵀ needs no transpose by the caller. As the left operand A (packed with
 * {@link #forA}) the rows are the output rows, e.g. convolution weights (cout × cin·kh·kw).
 *
 * <p>Holds plain {@code float[]} and no vector types (DESIGN.md: heap arrays ran the micro-kernel faster than
 * segments); a layer's field of this type is harmless where the vector module is absent (it stays null: packing
 * itself needs the species, so only {@code Simd.enabled()} code creates one).
 */
public final class PackedMatrix {
    final float[] data;
    final int count, depth, width;

    private PackedMatrix(float[] data, int count, int depth, int width) {
        this.data = data;
        this.count = count;
        this.depth = depth;
        this.width = width;
    }

    /** Packs rows [0, n) of the row-major (n × k) matrix at {@code src[off + r·ld + p]} as a right operand (Bᵀ = src). */
    public static PackedMatrix forB(float[] src, int off, int ld, int n, int k) {
        return pack(src, off, ld, n, k, Tiles.NR);
    }

    /** {@link #forB} of a dense (n × k) matrix. */
    public static PackedMatrix forB(float[] src, int n, int k) {
        return forB(src, 0, k, n, k);
    }

    /**
     * {@link #forB} of a dense (n × k) tensor read in place — a mapped file's weights: one panel's rows at a time are
     * staged in a small array (at most {@code width · k} floats), so the whole matrix is never copied to the heap, and
     * a mapped tensor's pages are dropped from resident memory afterwards. Bitwise the same as packing
     * {@code src.toFloatArray()}.
     */
    public static PackedMatrix forB(Tensor src, int n, int k) {
        float[] heap = src.heapFloats();
        if (heap != null || n == 0 || k == 0) return forB(src.readFloats(), n, k);
        if (src.numel() != (long) n * k) throw new IllegalArgumentException("tensor of " + src.numel() + " values is not " + n + "×" + k);
        int width = Tiles.NR, panels = (n + width - 1) / width;
        float[] d = new float[floats(n, k, width)];
        float[] rows = new float[Math.min(n, width) * k];
        for (int p = 0; p < panels; p++) {
            int r0 = p * width, rn = Math.min(width, n - r0);
            // converted as the tensor reads floats (a quantized tensor's dequantized q·scale)
            src.copyFloatsTo((long) r0 * k, rows, 0, rn * k);
            packPanel(rows, 0, k, rn, k, d, p * k * width, width);
        }
        // a mapped file's pages were read once and are not needed again: drop them from resident memory now (they stay
        // in the OS page cache; the tensor stays valid), so a layer that packs several matrices never holds the file
        // and the packed copies at once
        src.releasePages();
        return new PackedMatrix(d, n, k, width);
    }

    /** Packs rows [0, m) of the row-major (m × k) matrix at {@code src[off + r·ld + p]} as a left operand. */
    public static PackedMatrix forA(float[] src, int off, int ld, int m, int k) {
        return pack(src, off, ld, m, k, Tiles.MR, null);
    }

    /** {@link #forA}, panels packed in parallel on {@code pool} (may be null). */
    static PackedMatrix forA(float[] src, int off, int ld, int m, int k, ComputePool pool) {
        return pack(src, off, ld, m, k, Tiles.MR, pool);
    }

    private static PackedMatrix pack(float[] src, int off, int ld, int rows, int k, int width) {
        return pack(src, off, ld, rows, k, width, null);
    }

    private static PackedMatrix pack(float[] src, int off, int ld, int rows, int k, int width, ComputePool pool) {
        float[] d = new float[floats(rows, k, width)];
        packInto(src, off, ld, rows, k, width, d, pool);
        return new PackedMatrix(d, rows, k, width);
    }

    /** Floats the packed form of {@code rows} × k takes in panels of {@code width} (the last one padded). */
    static int floats(int rows, int k, int width) {
        int panels = (rows + width - 1) / width;
        return Math.multiplyExact(Math.multiplyExact(panels, width), Math.max(k, 1));
    }

    /**
     * Packs as {@link #forB} / {@link #forA} do, into {@code d[0, floats(rows, k, width))} (e.g. a per-thread scratch
     * buffer: every float of that range is written, padding included), panels in parallel on {@code pool} (may be null).
     */
    static void packInto(float[] src, int off, int ld, int rows, int k, int width, float[] d, ComputePool pool) {
        Objects.requireNonNull(src, "src");
        if (rows < 0 || k < 0 || ld < k) throw new IllegalArgumentException("bad shape " + rows + "×" + k + " (ld " + ld + ")");
        if (rows > 0 && k > 0 && (off < 0 || off + (long) (rows - 1) * ld + k > src.length)) {
            throw new IndexOutOfBoundsException(rows + "×" + k + " (ld " + ld + ") at offset " + off + " does not fit an array of " + src.length);
        }
        int panels = (rows + width - 1) / width;
        if (k == 0) {
            java.util.Arrays.fill(d, 0, panels * width, 0f); // the depth-1 placeholder the size formula reserves
            return;
        }
        int per = Math.max(1, (1 << 16) / Math.max(1, k * width)); // panels per task: ≈ 64K floats
        int tasks = (panels + per - 1) / per;
        if (pool == null || tasks <= 1 || pool.threads() == 1) {
            packPanels(src, off, ld, rows, k, width, d, 0, panels);
        } else {
            pool.parallelFor(tasks, t -> packPanels(src, off, ld, rows, k, width, d, t * per, Math.min(panels, (t + 1) * per)));
        }
    }

    private static void packPanels(float[] src, int off, int ld, int rows, int k, int width, float[] d, int p0, int p1) {
        for (int p = p0; p < p1; p++) {
            int r0 = p * width, rn = Math.min(width, rows - r0);
            packPanel(src, off + r0 * ld, ld, rn, k, d, p * k * width, width);
        }
    }

    /** Writes {@code rows} (≤ width) rows × k of src into one depth-major panel at dst[dOff], zero-padding the rest. */
    static void packPanel(float[] src, int sOff, int ld, int rows, int k, float[] dst, int dOff, int width) {
        // in chunks of depth, so each row pass writes into a window of the panel that is still in L1 (row passes over
        // the whole panel, which lives in L2, took 3.5% of the encoder's time)
        for (int p0 = 0; p0 < k; p0 += PACK_CHUNK) {
            int pn = Math.min(PACK_CHUNK, k - p0), d0 = dOff + p0 * width;
            for (int r = 0; r < rows; r++) {
                int s = sOff + r * ld + p0, d = d0 + r;
                for (int p = 0; p < pn; p++) dst[d + p * width] = src[s + p];
            }
            for (int r = rows; r < width; r++) {
                for (int p = 0; p < pn; p++) dst[d0 + p * width + r] = 0f;
            }
        }
    }

    /** Depth per chunk of {@link #packPanel}: 64 × 12-float rows = 3 KB of panel. */
    private static final int PACK_CHUNK = 64;

    /** Rows of the source (N for a right operand, M for a left one). */
    public int count() {
        return count;
    }

    /** The shared dimension K. */
    public int depth() {
        return depth;
    }

    /** Rows per panel (the micro-kernel's NR or MR). */
    public int width() {
        return width;
    }

    /** Floats held, including padding. */
    public long footprint() {
        return data.length;
    }
}
