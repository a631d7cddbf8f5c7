package dev.isthmus.formats.json;

/** Malformed JSON: the message says what and at which character offset. */
public class JsonException extends RuntimeException {
    private final int offset;
    private final String duplicateKey;

    public JsonException(String message, int offset) {
        this(message, offset, null);
    }

    public JsonException(String message, int offset, String duplicateKey) {
        super(message + " at offset " + offset);
        this.offset = offset;
        this.duplicateKey = duplicateKey;
    }

    public int offset() {
        return offset;
    }

    /** The repeated key when this is a duplicate-key error, else null. */
    public String duplicateKey() {
        return duplicateKey;
    }
}
