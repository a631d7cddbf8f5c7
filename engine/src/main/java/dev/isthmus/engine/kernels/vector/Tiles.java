package dev.isthmus.engine.kernels.vector;

/**
 * Blocking constants of {@link PackedGemm}, fixed once from the species and the register file (documented beside the
 * kernels that depend on them, as MLAS does). Measured on Zen 5 (AVX-512, L1d 48 KB, L2 1 MB per core).
 *
 * <ul>
 * <li>MR × NRV, the register tile (rows × vectors of columns). 32 registers: 12×2 — 24 accumulators, 2 B vectors,
 * 1 broadcast. In L1 every tile from 4×3 to 12×2 ran at ≈ peak (250–260 GFLOP/s at 512-bit); in the full GEMM 12×2
 * beat 8×3 by 15–30% (fewer A broadcasts per FMA, NR = 2 vectors wastes less on narrow N). 16 registers (AVX2, or
 * x86 capped by -XX:MaxVectorSize): 5×2, 10 accumulators, the best measured on AVX2 (12 spilled).</li>
 * <li>KC, depth per block: the C tile is loaded and stored once per block, and each tile's set-up is paid once per
 * block. 1024 (wide): the DistilBERT-size encoder (products of 128 rows, depth 768 and 3072) ran in 59 ms against
 * 63 with 512 (depth 768 in one block instead of 512 + 256); 1024³–2048³ the same within noise, 32 × 4096 × 4096
 * 10% faster. 512 had beaten 192/256 by 5–15% at 1024³–2048³. 256 for the narrow tile (AVX2 machines have 32 KB
 * L1).</li>
 * <li>MC, rows per task (an A block MC×KC, 768 KB at most, mostly stays in the 1 MB L2); NC, columns per task.</li>
 * </ul>
 */
final class Tiles {
    private Tiles() {
    }

    /** True: the 12×2 tile; false: the 5×2 tile. */
    static final boolean WIDE = Species.WIDE_REGISTERS;
    static final int MR = WIDE ? 12 : 5;
    static final int NRV = 2;
    static final int NR = NRV * Species.L;
    static final int KC = WIDE ? 1024 : 256;
    static final int MC = MR * 16;
    static final int NC = NR * 8;
    /** At most this many rows: A is read in place (not packed) and each B sliver is reused by all of them. */
    static final int SKINNY_M = 32;
}
