package dev.isthmus.formats.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-level alphabet: each of the 256 byte values as one printable character. The printable ASCII and
 * Latin-1 bytes ({@code !}..{@code ~}, {@code ¡}..{@code ¬}, {@code ®}..{@code ÿ}) stand for themselves; the other 68
 * (controls, space, DEL, no-break space, soft hyphen) take the code points from U+0100 up, in byte order, so a space is
 * {@code Ġ} and a newline {@code Ċ}.
 */
final class ByteAlphabet {
    private static final char[] CHARS = new char[256];

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            CHARS[b] = (char) (printable ? b : next++);
        }
    }

    private ByteAlphabet() {
    }

    /** The character that stands for byte {@code b}. */
    static char of(int b) {
        return CHARS[b & 0xFF];
    }

    /** {@code s}'s UTF-8 bytes, one alphabet character each. */
    static String encode(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = CHARS[bytes[i] & 0xFF];
        return new String(out);
    }
}
