package dev.isthmus.nativebind.onednn;

import dev.isthmus.nativebind.onednn.gen.dnnl_h;
import dev.isthmus.nativebind.onednn.gen.dnnl_version_t;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The process-wide oneDNN library: located by {@link LibraryLocator}, checked, then loaded once. A loaded native
 * library stays loaded until the JVM exits (OpenMP's worker threads live in it), so this is a singleton.
 *
 * <p>Loading is in two steps. First the file is opened by its exact path with {@link SymbolLookup#libraryLookup} and
 * {@code dnnl_version()} is called through that lookup alone: a library of another major version is reported and
 * closed again without anything having been bound to it. Only then is the same path passed to {@link System#load},
 * which makes it the library the jextract bindings (generated without {@code -l}, so they resolve through the class
 * loader's libraries) call into. Both open the same file, so the dynamic linker maps it once.
 */
final class LoadedLibrary {
    /** The major version the bindings were generated for. */
    static final int MAJOR = 3;

    private static volatile LoadedLibrary instance;
    private static volatile OneDnnStatus status;

    final OneDnnStatus info;
    final boolean openMp;
    private final MethodHandle ompSetNumThreads;
    private final MethodHandle ompGetMaxThreads;
    private MemorySegment engine;

    private LoadedLibrary(OneDnnStatus info, boolean openMp, MethodHandle set, MethodHandle get) {
        this.info = info;
        this.openMp = openMp;
        this.ompSetNumThreads = set;
        this.ompGetMaxThreads = get;
    }

    /** Loads on first call (never throws); later calls return the same answer. */
    static OneDnnStatus probe() {
        OneDnnStatus s = status;
        if (s != null) return s;
        synchronized (LoadedLibrary.class) {
            if (status == null) {
                try {
                    LibraryLocator.Located loc = LibraryLocator.ofSystem().locate();
                    instance = load(loc.library(), loc.source());
                    status = instance.info;
                } catch (LibraryLocator.NotFound e) {
                    status = OneDnnStatus.unavailable(e.library, e.source, e.getMessage());
                } catch (Unusable e) {
                    status = OneDnnStatus.unavailable(e.library, e.source, e.getMessage());
                }
            }
            return status;
        }
    }

    /** The loaded library, or {@link OneDnnUnavailableException} with the reason. */
    static LoadedLibrary require() {
        OneDnnStatus s = probe();
        if (!s.available()) throw new OneDnnUnavailableException("cannot use oneDNN: " + s.reason());
        return instance;
    }

    private static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Path library;
        final String source;

        Unusable(Path library, String source, String message) {
            super(message, null, false, false);
            this.library = library;
            this.source = source;
        }
    }

    private static LoadedLibrary load(Path path, String source) throws Unusable {
        Linker linker = Linker.nativeLinker();
        Arena check = Arena.ofShared();
        boolean keep = false;
        try {
            SymbolLookup lib;
            try {
                lib = SymbolLookup.libraryLookup(path, check);
            } catch (IllegalArgumentException e) {
                throw new Unusable(path, source, "cannot load " + path + " (" + source + "): " + dlerrorOf(path));
            }
            Optional<MemorySegment> versionFn = lib.find("dnnl_version");
            if (versionFn.isEmpty()) {
                throw new Unusable(path, source, path + " (" + source + ") is not oneDNN: it has no dnnl_version()");
            }
            MemorySegment v;
            try {
                MethodHandle h = linker.downcallHandle(versionFn.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
                v = (MemorySegment) h.invokeExact();
            } catch (Throwable t) {
                throw new Unusable(path, source, "calling dnnl_version() in " + path + " failed: " + t);
            }
            // reading through a null pointer would take the JVM down (SIGSEGV): a library that answers NULL is refused
            if (v.address() == 0) {
                throw new Unusable(path, source, path + " (" + source + ") is not a usable oneDNN: its dnnl_version() returned NULL");
            }
            v = v.reinterpret(dnnl_version_t.layout().byteSize());
            int major = dnnl_version_t.major(v), minor = dnnl_version_t.minor(v), patch = dnnl_version_t.patch(v);
            String version = major + "." + minor + "." + patch;
            if (major != MAJOR) {
                throw new Unusable(path, source, path + " (" + source + ") is oneDNN " + version + "; isthmus needs oneDNN " + MAJOR
                        + ".x (its C API and enum values differ between major versions)");
            }
            int rt = dnnl_version_t.cpu_runtime(v);
            try {
                System.load(path.toString());
            } catch (UnsatisfiedLinkError e) {
                throw new Unusable(path, source, "cannot load " + path + " (" + source + "): " + dlerrorOf(path));
            }
            boolean omp = rt == dnnl_h.DNNL_RUNTIME_OMP();
            MethodHandle set = null, get = null;
            if (omp) {
                // libgomp is a dependency of libdnnl: a lookup on libdnnl's handle searches its dependencies too, so
                // these are the very OpenMP functions oneDNN's parallel regions use.
                Optional<MemorySegment> s = lib.find("omp_set_num_threads"), g = lib.find("omp_get_max_threads");
                if (s.isPresent() && g.isPresent()) {
                    set = linker.downcallHandle(s.get(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
                    get = linker.downcallHandle(g.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
                }
            }
            int isa = dnnl_h.dnnl_get_effective_cpu_isa();
            keep = true;
            OneDnnStatus info = new OneDnnStatus(true, version, isaName(isa), runtimeName(rt), path, source, null);
            return new LoadedLibrary(info, omp, set, get);
        } finally {
            // On success the lookup stays open for the life of the process: the OpenMP handles were found through it.
            // On failure closing it unmaps the file again, so nothing of a rejected library stays in the process.
            if (!keep) check.close();
        }
    }

    /** The dynamic linker's reason for refusing a file, obtained by asking it again through System.load. */
    private static String dlerrorOf(Path path) {
        try {
            System.load(path.toString());
            return "the dynamic linker refused it";
        } catch (UnsatisfiedLinkError e) {
            String m = e.getMessage();
            if (m == null) return "the dynamic linker refused it";
            String prefix = path + ": ";
            while (m.startsWith(prefix)) m = m.substring(prefix.length()); // the JDK repeats the file name
            return m;
        }
    }

    /**
     * Makes the calling thread's next oneDNN calls use {@code threads} OpenMP threads. OpenMP keeps the thread count
     * per calling thread ({@code nthreads-var} is a per-thread ICV), and oneDNN reads it both when it creates a
     * primitive (to plan the work split) and when it runs one, so this is called before each. Cheap: one downcall to
     * read the current value, a second only when it differs.
     */
    void useThreads(int threads) {
        if (ompSetNumThreads == null) return;
        try {
            if ((int) ompGetMaxThreads.invokeExact() != threads) ompSetNumThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw new OneDnnException("omp_set_num_threads(" + threads + ") failed: " + t);
        }
    }

    /**
     * The process's CPU engine, created on first use and kept for the life of the process. One engine, not one per
     * model: oneDNN's primitive cache is keyed by engine, so models loaded again and again (same shapes) reuse the
     * cached primitives instead of filling the cache (1024 entries by default) with copies.
     */
    synchronized MemorySegment engine() {
        if (engine == null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment slot = a.allocate(ValueLayout.ADDRESS);
                Dnnl.check(dnnl_h.dnnl_engine_create(slot, dnnl_h.dnnl_cpu(), 0), "dnnl_engine_create(cpu, 0)");
                engine = Dnnl.out(slot);
            }
        }
        return engine;
    }

    /** The calling thread's OpenMP thread count (what oneDNN would use now), or -1 without OpenMP. */
    int currentThreads() {
        if (ompGetMaxThreads == null) return -1;
        try {
            return (int) ompGetMaxThreads.invokeExact();
        } catch (Throwable t) {
            throw new OneDnnException("omp_get_max_threads() failed: " + t);
        }
    }

    static String runtimeName(int rt) {
        if (rt == dnnl_h.DNNL_RUNTIME_OMP()) return "OpenMP";
        if (rt == dnnl_h.DNNL_RUNTIME_TBB()) return "TBB";
        if (rt == dnnl_h.DNNL_RUNTIME_SEQ()) return "sequential";
        if (rt == dnnl_h.DNNL_RUNTIME_THREADPOOL()) return "threadpool";
        if (rt == dnnl_h.DNNL_RUNTIME_NONE()) return "none";
        return "runtime " + rt;
    }

    static String isaName(int isa) {
        // Values are bit sets that grow with the ISA; where two names share a value the AVX-512 one is used.
        if (isa == dnnl_h.dnnl_cpu_isa_avx10_2_512_amx_2()) return "avx10_2_512_amx_2";
        if (isa == dnnl_h.dnnl_cpu_isa_avx10_2_512()) return "avx10_2_512";
        if (isa == dnnl_h.dnnl_cpu_isa_avx512_core_amx_fp16()) return "avx512_core_amx_fp16";
        if (isa == dnnl_h.dnnl_cpu_isa_avx512_core_amx()) return "avx512_core_amx";
        if (isa == dnnl_h.dnnl_cpu_isa_avx512_core_fp16()) return "avx512_core_fp16";
        if (isa == dnnl_h.dnnl_cpu_isa_avx512_core_bf16()) return "avx512_core_bf16";
        if (isa == dnnl_h.dnnl_cpu_isa_avx512_core_vnni()) return "avx512_core_vnni";
        if (isa == dnnl_h.dnnl_cpu_isa_avx512_core()) return "avx512_core";
        if (isa == dnnl_h.dnnl_cpu_isa_avx2_vnni_2()) return "avx2_vnni_2";
        if (isa == dnnl_h.dnnl_cpu_isa_avx2_vnni()) return "avx2_vnni";
        if (isa == dnnl_h.dnnl_cpu_isa_avx2()) return "avx2";
        if (isa == dnnl_h.dnnl_cpu_isa_avx()) return "avx";
        if (isa == dnnl_h.dnnl_cpu_isa_sse41()) return "sse41";
        if (isa == dnnl_h.dnnl_cpu_isa_default()) return "default";
        return "isa 0x" + Integer.toHexString(isa);
    }
}
