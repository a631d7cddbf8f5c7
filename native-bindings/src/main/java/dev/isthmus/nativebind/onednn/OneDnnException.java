package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.errors.IsthmusException;

/** A oneDNN call that failed, or oneDNN that could not be used: the message names the call or file and the reason. */
public class OneDnnException extends IsthmusException {
    private static final long serialVersionUID = 1L;

    public OneDnnException(String message) {
        super(message);
    }

    public OneDnnException(String message, Throwable cause) {
        super(message, cause);
    }
}
