package dev.isthmus.nativebind.onednn;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;

/**
 * Finds the oneDNN library to load, in this order:
 * <ol>
 *   <li>an explicit file: system property {@value #PROPERTY}, else environment variable {@value #ENV} (a path to
 *       {@code libdnnl.so.3}, or a directory holding it). When one is set it is the only candidate: a wrong path is
 *       reported, never silently replaced by another library;</li>
 *   <li>the library bundled on the class path ({@code org.bytedeco:dnnl:<version>:linux-x86_64} holds
 *       {@code org/bytedeco/dnnl/linux-x86_64/libdnnl.so.3} and the {@code libgomp.so.1} it finds through
 *       {@code $ORIGIN}), extracted once into the user cache folder and reused by every later run;</li>
 *   <li>nothing: oneDNN is unavailable, with the reason.</li>
 * </ol>
 * Never a bare library name: a system {@code libdnnl.so} of another major version can not be picked up.
 *
 * <p>Cache folder: system property {@value #CACHE_PROPERTY}, else {@code $ISTHMUS_CACHE_DIR}, else
 * {@code $XDG_CACHE_HOME/isthmus}, else {@code ~/.cache/isthmus}. The files go to
 * {@code <cache>/onednn/<artifact version>-<fingerprint>/}, the fingerprint being a hash of the bundled files' CRC-32s
 * and sizes (from the jar's directory, so nothing is read to compute it). Extraction writes a private temporary folder
 * beside the final one and renames it into place atomically, so a crash or a concurrent first run never leaves a
 * half-written library where it could be loaded; temporary folders a crash left behind are removed by the next
 * extraction. Before every load each cached file's SHA-256 is checked against the bundled one's, and a folder whose
 * files differ (deleted, truncated, replaced) is extracted again; a cache folder owned by another user or writable by
 * others is refused ({@link BundledDigests}).
 */
final class LibraryLocator {
    static final String PROPERTY = "isthmus.onednn.library";
    static final String ENV = "ISTHMUS_ONEDNN_LIBRARY";
    static final String CACHE_PROPERTY = "isthmus.cache.dir";
    static final String CACHE_ENV = "ISTHMUS_CACHE_DIR";
    static final String LIBRARY = "libdnnl.so.3";
    /** The OpenMP runtime libdnnl.so.3 needs (DT_NEEDED), found beside it through its RUNPATH {@code $ORIGIN/}. */
    static final List<String> BUNDLED_FILES = List.of(LIBRARY, "libgomp.so.1");
    private static final String TMP_PREFIX = ".tmp-";
    private static final Duration STALE_TMP = Duration.ofMinutes(30);

    /** Where the library is and how it was found. */
    record Located(Path library, String source) {
    }

    /** Thrown when no candidate exists; the message is the reason shown to users. */
    static final class NotFound extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Path library;
        final String source;

        NotFound(Path library, String source, String message) {
            super(message, null, false, false);
            this.library = library;
            this.source = source;
        }
    }

    private final Map<String, String> env;
    private final Properties props;
    private final ClassLoader loader;
    private final BundledDigests digests;

    LibraryLocator(Map<String, String> env, Properties props, ClassLoader loader) {
        this.env = env;
        this.props = props;
        this.loader = loader;
        this.digests = new BundledDigests(loader);
    }

    static LibraryLocator ofSystem() {
        return new LibraryLocator(System.getenv(), System.getProperties(), LibraryLocator.class.getClassLoader());
    }

    Located locate() throws NotFound {
        String explicit = props.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (blank(explicit)) {
            explicit = env.get(ENV);
            source = ENV;
        }
        if (!blank(explicit)) return explicit(explicit.trim(), source);
        return bundled();
    }

    private static Located explicit(String value, String source) throws NotFound {
        Path p = Path.of(value).toAbsolutePath().normalize();
        if (Files.isDirectory(p)) p = p.resolve(LIBRARY);
        if (!Files.exists(p)) throw new NotFound(p, source, source + " points to " + p + ", which does not exist");
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new NotFound(p, source, source + " points to " + p + ", which is not a readable file");
        }
        return new Located(p, source);
    }

    /** The class-path folder of the bundled natives for this OS and CPU, as the bytedeco jars name it, or null. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) return null;
        return switch (arch) {
            case "amd64", "x86_64" -> "linux-x86_64";
            case "aarch64", "arm64" -> "linux-arm64";
            default -> null;
        };
    }

    private Located bundled() throws NotFound {
        String platform = platform();
        String hint = " (add org.bytedeco:dnnl:<3.x>:<platform> to the class path, or set -D" + PROPERTY + "=/path/to/" + LIBRARY + ")";
        if (platform == null) {
            throw new NotFound(null, null, "no bundled oneDNN for " + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                    + "; set -D" + PROPERTY + "=/path/to/" + LIBRARY);
        }
        String dir = "org/bytedeco/dnnl/" + platform + "/";
        URL lib = loader.getResource(dir + LIBRARY);
        if (lib == null) throw new NotFound(null, null, "oneDNN is not on the class path: no " + dir + LIBRARY + hint);
        String version = artifactVersion();
        try {
            StringBuilder fp = new StringBuilder(platform);
            for (String f : BUNDLED_FILES) {
                URL u = loader.getResource(dir + f);
                if (u == null) throw new NotFound(null, "bundled", "the bundled oneDNN is incomplete: no " + dir + f + " on the class path");
                fp.append('|').append(f).append('|').append(fingerprint(u));
            }
            Path cache = cacheRoot().resolve("onednn");
            Path target = cache.resolve(version + "-" + sha256(fp.toString()).substring(0, 16));
            Map<String, String> expected = new LinkedHashMap<>();
            for (String f : BUNDLED_FILES) expected.put(f, digests.expected(version, platform, dir, f));
            Files.createDirectories(cache);
            for (Path folder : Files.exists(target, LinkOption.NOFOLLOW_LINKS) ? List.of(cache.getParent(), cache, target)
                    : List.of(cache.getParent(), cache)) {
                String unsafe = BundledDigests.unsafeFolder(folder);
                if (unsafe != null) {
                    throw new NotFound(null, "bundled", "refusing to load native code from the cache folder: " + unsafe
                            + " (set -D" + CACHE_PROPERTY + " to a folder of your own)");
                }
            }
            if (!complete(target, expected)) extract(dir, cache, target, expected);
            return new Located(target.resolve(LIBRARY), "bundled");
        } catch (IOException | UncheckedIOException e) {
            throw new NotFound(null, "bundled", "cannot extract the bundled oneDNN to the cache folder: " + e.getMessage()
                    + " (set -D" + CACHE_PROPERTY + " to a writable folder)");
        }
    }

    /** The version of the bytedeco artifact (e.g. 3.13-1.5.14), from its pom.properties; "unknown" when absent. */
    private String artifactVersion() {
        try (InputStream in = loader.getResourceAsStream("META-INF/maven/org.bytedeco/dnnl/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && v.matches("[A-Za-z0-9._-]+")) return v;
            }
        } catch (IOException ignored) {
            // fall through: the fingerprint alone still keys the folder
        }
        return "unknown";
    }

    Path cacheRoot() {
        String dir = props.getProperty(CACHE_PROPERTY);
        if (blank(dir)) dir = env.get(CACHE_ENV);
        if (!blank(dir)) return Path.of(dir.trim()).toAbsolutePath();
        String xdg = env.get("XDG_CACHE_HOME");
        if (!blank(xdg) && Path.of(xdg).isAbsolute()) return Path.of(xdg, "isthmus");
        return Path.of(System.getProperty("user.home"), ".cache", "isthmus");
    }

    /** Every bundled file is in {@code target}, a regular file with the bundled file's SHA-256 (see {@link BundledDigests}). */
    private static boolean complete(Path target, Map<String, String> expected) {
        for (String f : BUNDLED_FILES) {
            if (!BundledDigests.matches(target.resolve(f), expected.get(f))) return false;
        }
        return true;
    }

    private void extract(String dir, Path cache, Path target, Map<String, String> expected) throws IOException {
        removeStaleTemporaries(cache);
        Path tmp = Files.createTempDirectory(cache, TMP_PREFIX);
        try {
            for (String f : BUNDLED_FILES) {
                try (InputStream in = loader.getResourceAsStream(dir + f)) {
                    if (in == null) throw new IOException("resource " + dir + f + " vanished");
                    Files.copy(in, tmp.resolve(f));
                }
            }
            if (complete(target, expected)) return; // another process finished first (while we copied): use theirs
            if (Files.exists(target)) {
                // An incomplete or altered folder (a file deleted, truncated or replaced): move it aside, then replace it. Another process may
                // be doing the same: whoever moves it first wins, and a folder that is complete by now is never moved.
                Path old = Files.createTempDirectory(cache, TMP_PREFIX);
                try {
                    if (!complete(target, expected)) Files.move(target, old.resolve("old"), StandardCopyOption.ATOMIC_MOVE);
                } catch (java.nio.file.NoSuchFileException movedByAnother) {
                    // gone already: the rename below (or the other process's) puts a complete one in its place
                }
                deleteTree(old);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the cache folder " + cache + " does not support atomic renames", e);
            } catch (java.nio.file.FileSystemException raced) {
                // Another process renamed its folder in first (rename(2) onto a non-empty folder fails with ENOTEMPTY,
                // which Java reports as a plain FileSystemException): use theirs when it is complete.
                deleteTree(tmp);
                if (!complete(target, expected)) throw raced;
            }
        } finally {
            if (Files.exists(tmp)) deleteTree(tmp);
        }
        if (!complete(target, expected)) {
            throw new IOException("the files extracted to " + target + " do not match the bundled oneDNN's SHA-256");
        }
    }

    private static void removeStaleTemporaries(Path cache) {
        Instant limit = Instant.now().minus(STALE_TMP);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(cache, TMP_PREFIX + "*")) {
            for (Path p : ds) {
                FileTime t = Files.getLastModifiedTime(p);
                if (t.toInstant().isBefore(limit)) deleteTree(p);
            }
        } catch (IOException ignored) {
            // best effort: a leftover we cannot remove does no harm to this run
        }
    }

    private static void deleteTree(Path p) {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** CRC-32 and size from the jar directory when the resource is in a jar, else a SHA-256 of the bytes. */
    private static String fingerprint(URL u) throws IOException {
        URLConnection c = u.openConnection();
        if (c instanceof JarURLConnection jc) {
            jc.setUseCaches(false);
            JarEntry e = jc.getJarEntry();
            if (e != null && e.getCrc() >= 0 && e.getSize() >= 0) return Long.toHexString(e.getCrc()) + ":" + e.getSize();
        }
        try (InputStream in = "file".equals(u.getProtocol()) ? Files.newInputStream(fileOf(u)) : c.getInputStream()) {
            return BundledDigests.sha256(in);
        }
    }

    private static Path fileOf(URL u) throws IOException {
        try {
            return Path.of(u.toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
    }

    private static String sha256(String s) throws IOException {
        return BundledDigests.sha256(new java.io.ByteArrayInputStream(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
