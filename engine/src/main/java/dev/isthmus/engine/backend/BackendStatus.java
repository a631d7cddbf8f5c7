package dev.isthmus.engine.backend;

/**
 * What {@code isthmus backends} shows of a backend.
 *
 * @param available true when it can be used
 * @param version   its version and ISA when available (e.g. {@code oneDNN 3.x, AVX-512}), else empty
 * @param detail    where it was loaded from, or why it is unavailable
 */
public record BackendStatus(String name, boolean available, String version, String detail) {
}
