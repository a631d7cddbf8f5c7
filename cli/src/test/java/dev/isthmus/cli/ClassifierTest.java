package dev.isthmus.cli;

import dev.isthmus.Classifier;
import dev.isthmus.Isthmus;
import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java API behind {@code predict} (and the Spark job): files, file bytes, preprocessed floats and texts give
 * PyTorch's labels, and a bad input is an error of its own that leaves the others labelled.
 */
class ClassifierTest {
    private static List<Path> files(String dir) throws Exception {
        try (Stream<Path> s = Files.list(Path.of(dir))) {
            return s.sorted().toList();
        }
    }

    /** Each input's label and score against expected.json (keyed by file name). */
    private static void matches(Path expectedJson, List<Classifier.Prediction> got) throws Exception {
        Map<String, Object> expected = Json.parseObject(Files.readString(expectedJson));
        for (Classifier.Prediction p : got) {
            String k = Path.of(p.source()).getFileName().toString();
            Map<?, ?> want = (Map<?, ?>) expected.get(k);
            assertNotNull(want, "no expectation for " + k);
            assertNull(p.error(), k);
            assertEquals(want.get("label"), p.label(), k);
            assertEquals(((Number) want.get("score")).doubleValue(), p.score(), 1e-4, k);
        }
    }

    @Test
    void filesAndTheirBytesGiveTheSameLabelsAsPyTorch() throws Exception {
        for (String[] c : new String[][]{{"../examples/gru", "../examples/gru/sequences", "../examples/gru/expected.json"},
                {"../fixtures/image_rgb/model", "../fixtures/image_rgb/images", "../fixtures/image_rgb/expected.json"}}) {
            try (Classifier cl = Isthmus.classifier(Path.of(c[0]), Isthmus.options().threads(1))) {
                List<Classifier.Input> fromFiles = new ArrayList<>(), fromBytes = new ArrayList<>();
                for (Path f : files(c[1])) {
                    fromFiles.add(cl.file(f));
                    fromBytes.add(cl.bytes(f.toString(), Files.readAllBytes(f)));
                }
                List<Classifier.Prediction> a = cl.classify(fromFiles, 3), b = cl.classify(fromBytes, 3);
                matches(Path.of(c[2]), a);
                matches(Path.of(c[2]), b);
                assertEquals(a, b, c[0]);
                assertEquals(3, a.get(0).top().size());
            }
        }
    }

    @Test
    void aBrokenInputFailsAloneAndTheOthersAreLabelled() throws Exception {
        try (Classifier cl = Isthmus.classifier(Path.of("../examples/mnist"), Isthmus.options().threads(1))) {
            assertEquals(Classifier.Kind.IMAGE, cl.kind());
            List<Path> digits = files("../examples/mnist/digits");
            List<Classifier.Input> in = new ArrayList<>();
            in.add(cl.bytes("junk.png", "not an image".getBytes(StandardCharsets.UTF_8)));
            for (Path f : digits) in.add(cl.bytes(f.toString(), Files.readAllBytes(f)));
            in.add(cl.floats("short", new float[5]));
            in.add(cl.text("t", "a text"));
            List<Classifier.Prediction> p = cl.classify(in, 1);
            assertEquals(digits.size() + 3, p.size());
            assertTrue(p.get(0).error().contains("junk.png") && p.get(0).error().contains("cannot decode")
                    || p.get(0).error().contains("not an image"), p.get(0).error());
            assertNull(p.get(0).label());
            assertTrue(Float.isNaN(p.get(0).score()));
            for (int i = 0; i < digits.size(); i++) {
                String name = digits.get(i).getFileName().toString();
                assertEquals(name.substring(0, 1), p.get(i + 1).label(), name); // the bundled digits are all labelled right
            }
            assertTrue(p.get(digits.size() + 1).error().contains("784"), p.get(digits.size() + 1).error());
            assertTrue(p.get(digits.size() + 2).error().contains("does not read text"), p.get(digits.size() + 2).error());
        }
    }

    @Test
    void warmingUpRunsTheModelAndChangesNoResult() throws Exception {
        Path f = Path.of("../examples/mnist/digits/4_4994.png");
        try (Classifier cl = Isthmus.classifier(Path.of("../examples/mnist"), Isthmus.options().threads(1))) {
            Classifier.Prediction before = cl.classify(List.of(cl.file(f)), 3).get(0);
            assertTrue(cl.warmUp(3, 60_000) >= 10); // stops once ten calls in a row are as fast as the fastest
            assertEquals(before, cl.classify(List.of(cl.file(f)), 3).get(0));
            assertEquals(0, cl.warmUp(3, 0), "no time, no call");
        }
        try (Classifier cl = Isthmus.classifier(Path.of("../examples/gru"), Isthmus.options().threads(1))) {
            assertTrue(cl.warmUp(2, 60_000) >= 10);
        }
        try (Classifier cl = Isthmus.classifier(Path.of("../examples/text"), Isthmus.options().threads(1))) {
            assertEquals(0, cl.warmUp(2, 60_000), "text models are warmed by the engine at load");
        }
    }

    @Test
    void preprocessedFloatsAreFedAsTheyAre() throws Exception {
        try (Classifier cl = Isthmus.classifier(Path.of("../examples/gru"), Isthmus.options().threads(1))) {
            Path f = Path.of("../examples/gru/sequences/sine_01.npy");
            dev.isthmus.engine.tensor.Tensor t = dev.isthmus.formats.npy.Npy.read(f, null);
            float[] values = t.toFloatArray();
            int features = (int) t.dim(1);
            List<Classifier.Prediction> p = cl.classify(List.of(cl.floats("row 1", values), cl.file(f),
                    cl.floats("row 3", new float[features + 1])), 2);
            assertEquals(p.get(1).top(), p.get(0).top());
            assertEquals("row 1", p.get(0).source());
            assertTrue(p.get(2).error().contains("whole steps"), p.get(2).error());
        }
    }

    @Test
    void textsAreTokenizedAndLabelled() throws Exception {
        Map<String, Object> expected = Json.parseObject(Files.readString(Path.of("../examples/text/expected.json")));
        List<String> sentences = Files.readAllLines(Path.of("../examples/text/sentences.txt"));
        try (Classifier cl = Isthmus.classifier(Path.of("../examples/text"), Isthmus.options().threads(1))) {
            assertEquals(Classifier.Kind.TEXT, cl.kind());
            List<Classifier.Input> in = new ArrayList<>();
            for (int i = 0; i < sentences.size(); i++) in.add(cl.text("line " + i, sentences.get(i)));
            in.add(cl.bytes("bad.txt", new byte[]{(byte) 0xff, 'a'}));
            List<Classifier.Prediction> p = cl.classify(in, 1);
            for (int i = 0; i < sentences.size(); i++) {
                Map<?, ?> want = (Map<?, ?>) expected.get(sentences.get(i));
                assertEquals(want.get("label"), p.get(i).label(), sentences.get(i));
                assertEquals(((Number) want.get("score")).doubleValue(), p.get(i).score(), 1e-4);
            }
            assertTrue(p.get(sentences.size()).error().contains("not UTF-8"), p.get(sentences.size()).error());
        }
    }
}
