package dev.isthmus.formats;

import dev.isthmus.engine.errors.ModelFormatException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The one check every reader makes before it opens a path: it names a regular file. A FIFO given as an input would
 * block the read forever, a device would be read without end, and a directory fails with an error that names
 * neither. A missing path is left to the reader, whose own error says so.
 */
public final class RegularFiles {
    private RegularFiles() {
    }

    /** Throws {@link ModelFormatException} (rule {@code not-a-regular-file}) when {@code file} exists and is no regular file. */
    public static void require(Path file) {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            String what = Files.isDirectory(file) ? "a directory" : "a FIFO, socket or device";
            throw new ModelFormatException(file.toString(), null, "not-a-regular-file", "not a regular file (" + what
                    + "): only regular files are read");
        }
    }

    /**
     * Throws {@link UncheckedIOException} when {@code file} exists and is not itself a regular file: a writer replaces
     * a regular file or creates a new one, nothing else (as root, {@code -o /dev/full} replaced the device node with a
     * file, and {@code -o link.npy} replaced the symbolic link and left its target as it was).
     */
    public static void requireReplaceable(Path file) {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            String what = Files.isSymbolicLink(file) ? "a symbolic link" : Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)
                    ? "a directory" : "a FIFO, socket or device";
            String msg = file + ": not written: it is " + what + ", and only a new path or a regular file is replaced";
            throw new UncheckedIOException(msg, new IOException(msg));
        }
    }
}
