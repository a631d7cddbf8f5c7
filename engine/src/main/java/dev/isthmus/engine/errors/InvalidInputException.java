package dev.isthmus.engine.errors;

/** An input of the wrong name, dtype or shape for the model, or a value an op cannot take (e.g. an id out of range). */
public class InvalidInputException extends IsthmusException {
    public InvalidInputException(String message) {
        super(message);
    }
}
