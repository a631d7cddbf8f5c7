package dev.isthmus.nativebind.onednn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * What makes an extracted copy of the bundled oneDNN safe to load: each file's SHA-256 equals the bundled one's,
 * checked on every load (a library someone placed in the cache folder ran its constructor in the next run; a
 * truncated one crashed every later run with SIGBUS), and the folders it lives in belong to this user and are not
 * writable by others.
 *
 * <p>The digests of the pinned artifact (native-bindings/pom.xml) are recorded here, so a check reads only the cached
 * file (about 0.1 s for the 93 MB libdnnl.so.3); for an artifact or platform not recorded, the digest of the class-path
 * resource is computed once per process. {@code OneDnnLoadingTest} checks the recorded ones against the class path.
 */
final class BundledDigests {
    /** By "version/platform/file". */
    static final Map<String, String> RECORDED = Map.of(
            "3.13-1.5.14/linux-x86_64/libdnnl.so.3", "3610657c35381b06694034b677cf73f28086495aba51ecf0cfb5b6511652a443",
            "3.13-1.5.14/linux-x86_64/libgomp.so.1", "d46f9225c1883039e8a6853e6d96ca1af11d034ce186a090952e4a7c8a7c2fdc");

    private final ClassLoader loader;
    private final Map<String, String> computed = new HashMap<>();

    BundledDigests(ClassLoader loader) {
        this.loader = loader;
    }

    /** The SHA-256 the bundled {@code dir + file} of artifact {@code version} has. */
    synchronized String expected(String version, String platform, String dir, String file) throws IOException {
        String known = RECORDED.get(version + "/" + platform + "/" + file);
        if (known != null) return known;
        String key = dir + file;
        String d = computed.get(key);
        if (d == null) {
            try (InputStream in = loader.getResourceAsStream(key)) {
                if (in == null) throw new IOException("resource " + key + " vanished");
                d = sha256(in);
            }
            computed.put(key, d);
        }
        return d;
    }

    /** True when {@code file} is a regular file itself (not a link) whose SHA-256 is {@code expected}. */
    static boolean matches(Path file, String expected) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return false;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return sha256(in).equals(expected);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Null when {@code dir} (which must exist) is owned by this process's user and not writable by others, else why
     * not. File systems without POSIX attributes pass.
     */
    static String unsafeFolder(Path dir) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) return null;
        PosixFileAttributes a = view.readAttributes();
        if (a.isSymbolicLink()) return dir + " is a symbolic link";
        String me = System.getProperty("user.name");
        if (me != null && !a.owner().getName().equals(me)) return dir + " belongs to " + a.owner().getName() + ", not " + me;
        if (a.permissions().contains(PosixFilePermission.OTHERS_WRITE)) return dir + " is writable by other users";
        return null;
    }

    static String sha256(InputStream in) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        return HexFormat.of().formatHex(md.digest());
    }
}
