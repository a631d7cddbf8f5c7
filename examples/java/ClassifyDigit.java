import dev.isthmus.Isthmus;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Tensor;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * Classifies 28×28 grayscale digit images with the bundled MNIST model, from Java.
 *
 * <pre>
 * ./build -q package -DskipTests
 * java --add-modules jdk.incubator.vector -cp cli/target/isthmus.jar \
 *      examples/java/ClassifyDigit.java examples/mnist examples/mnist/digits/3_3327.png examples/mnist/digits/7_7509.png
 * </pre>
 */
public class ClassifyDigit {
    public static void main(String[] args) throws Exception {
        Path modelPath = Path.of(args[0]);
        // Load once; a Model is safe to share between threads. Each thread runs it through its own Session.
        try (Model model = Isthmus.load(modelPath, Isthmus.options().threads(1).backend("java"));
             Session session = model.newSession()) {
            List<String> labels = model.labels();
            float[] pixels = new float[28 * 28];
            for (int i = 1; i < args.length; i++) {
                BufferedImage img = ImageIO.read(Path.of(args[i]).toFile());
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) pixels[y * 28 + x] = img.getRaster().getSample(x, y, 0) / 255f;
                }
                // The input tensor is a view over the array; the result is a view over the session's memory,
                // valid until the session's next run.
                Tensor logits = session.run(Tensor.ofFloats(pixels, 1, 1, 28, 28)).get("output");
                int best = 0;
                for (int k = 1; k < logits.numel(); k++) if (logits.getFloat(k) > logits.getFloat(best)) best = k;
                System.out.println(args[i] + " -> " + labels.get(best));
            }
        }
    }
}
