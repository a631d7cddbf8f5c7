package dev.isthmus.engine.kernels;

import java.util.Locale;

/**
 * The one switch between the Vector API kernels ({@code kernels.vector}) and the scalar reference kernels, decided
 * once per JVM when this class is initialised.
 *
 * <p>{@code -Disthmus.simd=off|128|256|512|auto} (default {@code auto}: the preferred species). The vector path also
 * needs the {@code jdk.incubator.vector} module in the boot layer ({@code --add-modules jdk.incubator.vector}) and
 * the C2 compiler (interpreted or C1-compiled vector code is 100–1000× slower than scalar code). When either is
 * missing the scalar path runs, the reason is logged once (System.Logger, INFO) and {@link #status()} says why.
 * A width above what the CPU and {@code -XX:MaxVectorSize} allow is capped to the preferred width.
 *
 * <p>No method of this class touches a {@code jdk.incubator.vector} type, so it loads without the module.
 */
public final class Simd {
    private Simd() {
    }

    /** The system property that forces the vector width or turns SIMD off. */
    public static final String PROPERTY = "isthmus.simd";

    private static final int BITS;
    private static final int PREFERRED_BITS;
    private static final String STATUS;

    static {
        String[] status = new String[1];
        int[] preferred = new int[1];
        BITS = decide(System.getProperty(PROPERTY), status, preferred);
        PREFERRED_BITS = preferred[0];
        STATUS = status[0];
    }

    /** True when the Vector API kernels run. */
    public static boolean enabled() {
        return BITS > 0;
    }

    /** The vector width the kernels use in bits (128, 256 or 512), or 0 when the scalar path runs. */
    public static int bits() {
        return BITS;
    }

    /** Floats per vector (1 when SIMD is off). */
    public static int lanes() {
        return BITS > 0 ? BITS / 32 : 1;
    }

    /** The width of {@code FloatVector.SPECIES_PREFERRED} in bits, or 0 when the vector module is unusable. */
    public static int preferredBits() {
        return PREFERRED_BITS;
    }

    /**
     * How many vector registers the kernels may assume: 32 on AVX-512 (the preferred species is 512-bit) and on
     * aarch64 (NEON, SVE), else 16 (AVX2, or x86 capped with {@code -XX:MaxVectorSize}, where C2 is conservative).
     * Register-tile shapes are chosen from this.
     */
    public static int vectorRegisters() {
        return vectorRegistersFor(PREFERRED_BITS);
    }

    /** One line for {@code isthmus backends}: e.g. "vector 512-bit (16 floats), preferred 512" or "scalar: why". */
    public static String status() {
        return STATUS;
    }

    private static int decide(String prop, String[] status, int[] preferredOut) {
        String p = prop == null ? "auto" : prop.trim().toLowerCase(Locale.ROOT);
        int requested;
        String note = "";
        switch (p) {
            case "", "auto", "on", "true", "preferred" -> requested = -1;
            case "off", "false", "0", "scalar", "none" -> requested = 0;
            case "128", "256", "512" -> requested = Integer.parseInt(p);
            default -> {
                requested = -1;
                note = "; ignored -D" + PROPERTY + "='" + prop + "' (expected off, 128, 256, 512 or auto)";
                log(System.Logger.Level.WARNING, "ignoring -D" + PROPERTY + "='" + prop + "': expected off, 128, 256, 512 or auto");
            }
        }
        if (requested == 0) {
            status[0] = "scalar: SIMD turned off by -D" + PROPERTY + "=" + prop;
            log(System.Logger.Level.DEBUG, status[0]);
            return 0;
        }
        String why = unusableReason();
        if (why != null) {
            status[0] = "scalar: " + why + note;
            log(System.Logger.Level.INFO, "isthmus runs its scalar kernels: " + why);
            return 0;
        }
        int preferred;
        try {
            preferred = dev.isthmus.engine.kernels.vector.VectorProbe.preferredBits();
        } catch (Throwable t) { // LinkageError and the like: the module is there but unusable
            status[0] = "scalar: the Vector API failed to initialise (" + t + ")" + note;
            log(System.Logger.Level.INFO, "isthmus runs its scalar kernels: " + status[0]);
            return 0;
        }
        preferredOut[0] = preferred;
        if (preferred < 128) {
            status[0] = "scalar: the preferred vector species is only " + preferred + "-bit" + note;
            log(System.Logger.Level.INFO, "isthmus runs its scalar kernels: " + status[0]);
            return 0;
        }
        int bits = preferred;
        if (requested > 0) {
            if (requested > preferred) {
                note += "; -D" + PROPERTY + "=" + requested + " capped to the preferred " + preferred + "-bit";
                log(System.Logger.Level.INFO, "-D" + PROPERTY + "=" + requested + " is wider than the preferred species; using " + preferred + "-bit");
            } else {
                bits = requested;
            }
        }
        status[0] = "vector " + bits + "-bit (" + bits / 32 + " floats per vector), preferred " + preferred + "-bit, "
                + vectorRegistersFor(preferred) + " registers assumed" + note;
        return bits;
    }

    private static int vectorRegistersFor(int preferred) {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (arch.equals("aarch64") || arch.equals("arm64") || arch.startsWith("riscv")) return 32;
        return preferred >= 512 ? 32 : 16;
    }

    /** Why the Vector API kernels cannot run well here, or null when they can. */
    private static String unusableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the jdk.incubator.vector module is not loaded (run java with --add-modules jdk.incubator.vector)";
        }
        try {
            return compilerReason();
        } catch (Throwable t) { // java.management absent (a jlinked runtime): assume the default, C2 on
            return null;
        }
    }

    /** Checks for C2 via the VM's own flags; vector code only pays off once C2 has compiled it. */
    private static String compilerReason() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null) return "the JVM runs without a JIT compiler (-Xint)";
        String useCompiler = vmOption("UseCompiler");
        if ("false".equals(useCompiler)) return "the JIT compiler is off (-Xint or -XX:-UseCompiler)";
        String tiered = vmOption("TieredCompilation");
        String stop = vmOption("TieredStopAtLevel");
        if (!"false".equals(tiered) && stop != null) {
            try {
                int level = Integer.parseInt(stop);
                if (level < 4) return "C2 is off (-XX:TieredStopAtLevel=" + level + "); vector code needs C2";
            } catch (NumberFormatException ignored) {
                // unknown format: assume C2
            }
        }
        String name = jit.getName();
        if (name != null && name.toLowerCase(Locale.ROOT).contains("client") && !name.toLowerCase(Locale.ROOT).contains("tiered")) {
            return "the JVM runs only the client compiler (" + name + "); vector code needs C2";
        }
        return null;
    }

    private static String vmOption(String name) {
        try {
            com.sun.management.HotSpotDiagnosticMXBean hs =
                    java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return hs == null ? null : hs.getVMOption(name).getValue();
        } catch (Throwable t) { // not HotSpot, or the flag does not exist
            return null;
        }
    }

    private static void log(System.Logger.Level level, String msg) {
        try {
            System.getLogger(Simd.class.getName()).log(level, msg);
        } catch (Throwable ignored) {
            // logging must never stop the engine from loading
        }
    }
}
