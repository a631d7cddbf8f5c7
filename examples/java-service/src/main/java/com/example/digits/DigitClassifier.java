package com.example.digits;

import dev.isthmus.Isthmus;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

/**
 * The service's one isthmus object: the MNIST model, loaded once and shared by every request thread.
 * {@link #classify} is safe to call from any number of threads at once.
 */
public final class DigitClassifier implements AutoCloseable {
    private final Model model;

    public DigitClassifier(Path modelPath) {
        // threads(1): each request computes on the thread that serves it, so N request threads serve N requests at
        // once. For few, large requests give the model threads of its own instead (the default is every core).
        this.model = Isthmus.load(modelPath, Isthmus.options().threads(1));
    }

    /** The label of a 28×28 grayscale image, white digit on black as in MNIST. */
    public String classify(BufferedImage image) {
        if (image.getWidth() != 28 || image.getHeight() != 28) {
            throw new IllegalArgumentException("expected 28×28 pixels, got " + image.getWidth() + "×" + image.getHeight());
        }
        float[] pixels = new float[28 * 28];                      // the model's input: pixel / 255, row-major
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) pixels[y * 28 + x] = image.getRaster().getSample(x, y, 0) / 255f;
        }
        // Model.run borrows a session from the model's pool and returns a copy of the result, so concurrent calls
        // need nothing of their own. (A thread that runs the same model all day may keep its own Session: no copy.)
        Tensor logits = model.run(Tensor.ofFloats(pixels, 1, 1, 28, 28)).get("output");
        int best = 0;
        for (int k = 1; k < logits.numel(); k++) if (logits.getFloat(k) > logits.getFloat(best)) best = k;
        return model.labels().get(best);
    }

    /** Frees the model's threads and unmaps its weights; call it after the last request. */
    @Override
    public void close() {
        model.close();
    }
}
