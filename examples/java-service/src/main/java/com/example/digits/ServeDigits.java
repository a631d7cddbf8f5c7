package com.example.digits;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Serves every PNG of a folder as a request from a pool of threads sharing one {@link DigitClassifier}, prints
 * {@code file -> label} in input order and checks each label against the file name ({@code <true label>_<index>.png}).
 * Exits 1 on a wrong label or a failed request.
 *
 * <pre>ServeDigits [MODEL] [DIGITS] [THREADS]   (defaults: examples/mnist examples/mnist/digits 4)</pre>
 */
public final class ServeDigits {
    public static void main(String[] args) throws Exception {
        Path modelPath = Path.of(args.length > 0 ? args[0] : "examples/mnist");
        Path digits = Path.of(args.length > 1 ? args[1] : "examples/mnist/digits");
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;

        List<Path> files;
        try (Stream<Path> s = Files.list(digits)) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".png")).sorted().toList();
        }
        if (files.isEmpty()) throw new IllegalArgumentException("no .png files in " + digits);

        int failures = 0;
        // Closed in reverse order: the pool finishes its requests before the classifier closes.
        try (DigitClassifier classifier = new DigitClassifier(modelPath);
             ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<String>> labels = new ArrayList<>();
            for (Path file : files) {
                labels.add(pool.submit(() -> classifier.classify(readImage(file))));
            }
            for (int i = 0; i < files.size(); i++) {
                Path file = files.get(i);
                String expected = file.getFileName().toString().substring(0, 1);
                try {
                    String label = labels.get(i).get();
                    if (label.equals(expected)) {
                        System.out.println(file + " -> " + label);
                    } else {
                        System.out.println(file + " -> " + label + "  WRONG, expected " + expected);
                        failures++;
                    }
                } catch (ExecutionException e) {
                    System.out.println(file + " -> FAILED: " + e.getCause());
                    failures++;
                }
            }
        }
        System.out.println(files.size() + " requests on " + threads + " threads, " + failures + " failed");
        if (failures > 0) System.exit(1);
    }

    private static BufferedImage readImage(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) throw new IOException("not an image ImageIO can read: " + file);
        return image;
    }
}
