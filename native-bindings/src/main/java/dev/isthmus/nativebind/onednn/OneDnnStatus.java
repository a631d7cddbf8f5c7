package dev.isthmus.nativebind.onednn;

import java.nio.file.Path;

/**
 * What {@link OneDnn#probe()} found: either a loaded oneDNN (version, ISA, threading runtime, the file and how it
 * was found) or the reason it is unavailable.
 *
 * @param available  true when oneDNN loaded and is version 3
 * @param version    {@code dnnl_version()} as major.minor.patch, or null when unavailable
 * @param isa        {@code dnnl_get_effective_cpu_isa()} as a name such as {@code avx2}, or null
 * @param runtime    the CPU threading runtime oneDNN was built with ({@code OpenMP}, ...), or null
 * @param library    the file that was loaded (or was tried), or null when none was found
 * @param source     how the file was found: {@code -Disthmus.onednn.library}, {@code ISTHMUS_ONEDNN_LIBRARY},
 *                   {@code bundled}, or null
 * @param reason     why oneDNN is unavailable, one line; null when available
 */
public record OneDnnStatus(boolean available, String version, String isa, String runtime, Path library, String source,
                           String reason) {

    static OneDnnStatus unavailable(Path library, String source, String reason) {
        return new OneDnnStatus(false, null, null, null, library, source, reason);
    }

    /** One line for {@code isthmus backends}: {@code 3.13.0, avx2, OpenMP (bundled: /home/u/.cache/...)} or the reason. */
    public String describe() {
        if (!available) return reason;
        return version + ", " + isa + ", " + runtime + " (" + source + ": " + library + ")";
    }
}
