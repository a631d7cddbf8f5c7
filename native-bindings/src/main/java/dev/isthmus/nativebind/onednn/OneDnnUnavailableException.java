package dev.isthmus.nativebind.onednn;

/** oneDNN was asked for ({@code --backend onednn}) but could not be loaded; the message says why. */
public final class OneDnnUnavailableException extends OneDnnException {
    private static final long serialVersionUID = 1L;

    public OneDnnUnavailableException(String message) {
        super(message);
    }
}
