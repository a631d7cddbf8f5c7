package dev.isthmus.formats;

import dev.isthmus.engine.errors.ModelFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text files (specs, configs, CSV sequences, text inputs) read as UTF-8. A byte sequence that is not UTF-8 is named
 * by its offset (rule {@code not-utf8}): the JDK's own error said only "Input length = 1".
 */
public final class TextFiles {
    private TextFiles() {
    }

    /**
     * The text of {@code file}; throws {@link ModelFormatException} naming the file: rule {@code not-utf8} with the
     * byte offset of the first invalid sequence, {@code io} when it cannot be read, {@code not-a-regular-file} for a
     * FIFO, device or directory.
     */
    public static String readUtf8(Path file) {
        RegularFiles.require(file);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelFormatException(file.toString(), null, "io", "cannot read: " + ModelLoader.describe(e), e);
        } catch (OutOfMemoryError e) {
            // a file larger than an array or the heap: one allocation that failed, nothing else is held
            throw new ModelFormatException(file.toString(), null, "io", "cannot read: the file is larger than the Java heap can hold");
        }
        return decode(file.toString(), bytes);
    }

    /** {@code bytes} as UTF-8; {@code source} names them in the error (rule {@code not-utf8} with the byte offset). */
    public static String decode(String source, byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = dec.decode(in, out, true);
        if (r.isUnderflow()) r = dec.flush(out);
        if (r.isError()) {
            throw new ModelFormatException(source, null, "not-utf8", "not UTF-8 text (byte offset " + in.position() + ")");
        }
        return out.flip().toString();
    }
}
