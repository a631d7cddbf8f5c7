package dev.isthmus.engine.kernels.vector;

/**
 * Blocking constants of {@link PackedGemm}, fixed once from the species and the register file (documented beside the
 * kernels that depend on them, as MLAS does). The measurements they were chosen on are in bench/kernels-results.md ("Measurements
 * behind the kernels' constants").
 *
 * <ul>
 * <li>MR × NRV, the register tile (rows × vectors of columns). 32 registers: 12×2 — 24 accumulators, 2 B vectors,
 * 1 broadcast; fewer A broadcasts per FMA than 8×3, and NR = 2 vectors wastes less on narrow N. 16 registers (AVX2,
 * or x86 capped by -XX:MaxVectorSize): 5×2, 10 accumulators (12×2 spills).</li>
 * <li>KC, depth per block: the C tile is loaded and stored once per block, and each tile's set-up is paid once per
 * block, so deeper is better while a KC × NR sliver of B stays in L1: 1024 for the wide tile (a transformer's depth
 * 768 in one block), 256 for the narrow one (AVX2 machines have 32 KB L1).</li>
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
