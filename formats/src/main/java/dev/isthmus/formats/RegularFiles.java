package dev.isthmus.formats;

import dev.isthmus.engine.errors.ModelFormatException;

import java.nio.file.Files;
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
}
