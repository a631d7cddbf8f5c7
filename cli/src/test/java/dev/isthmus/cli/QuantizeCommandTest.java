package dev.isthmus.cli;

import dev.isthmus.Isthmus;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.image.ImageInput;
import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code isthmus quantize} on the bundled examples: the files are small enough, load with predict, inspect and the
 * Java API, and label the examples' inputs as the F32 models do (agreement printed to the test output).
 */
class QuantizeCommandTest {
    @TempDir
    Path tmp;

    /** predict --json: file name → label. */
    private static Map<String, String> labels(String model, String inputs) {
        CliRun r = CliRun.of("predict", model, inputs, "--json");
        assertEquals(0, r.code(), r.err());
        Map<String, String> out = new TreeMap<>();
        for (String line : r.outLines()) {
            Map<String, Object> o = Json.parseObject(line);
            out.put(Path.of((String) o.get("file")).getFileName().toString(), (String) o.get("label"));
        }
        return out;
    }

    private Path quantize(String model, String dtype) {
        Path out = tmp.resolve(Path.of(model).getFileName() + "-" + dtype + ".safetensors");
        CliRun r = CliRun.of("quantize", model, out.toString(), "--dtype", dtype);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("quantized to " + dtype), r.out());
        return out;
    }

    /** Labels of the quantized model against F32's: prints the agreement and asserts it is total. */
    private static void agree(String what, Map<String, String> f32, Map<String, String> q) {
        long same = f32.keySet().stream().filter(k -> f32.get(k).equals(q.get(k))).count();
        System.out.printf(Locale.ROOT, "%s: %d of %d labels agree with F32%n", what, same, f32.size());
        assertEquals(f32.keySet(), q.keySet());
        assertEquals(f32, q, what + " labels");
    }

    @Test
    void mnistInt8AndBf16AreSmallAndLabelTheDigitsAsF32Does() throws Exception {
        Path f32 = Path.of("../examples/mnist/model.safetensors");
        Path int8 = quantize("../examples/mnist", "int8"), bf16 = quantize("../examples/mnist", "bf16");
        double r8 = (double) Files.size(int8) / Files.size(f32), rb = (double) Files.size(bf16) / Files.size(f32);
        System.out.printf(Locale.ROOT, "mnist sizes: F32 %d, int8 %d (%.3f×), bf16 %d (%.3f×)%n", Files.size(f32), Files.size(int8), r8,
                Files.size(bf16), rb);
        assertTrue(r8 <= 0.3, "int8 file is " + r8 + "× the F32 file");
        assertTrue(rb <= 0.55, "bf16 file is " + rb + "× the F32 file");

        Map<String, String> ref = labels("../examples/mnist", "../examples/mnist/digits");
        assertEquals(24, ref.size());
        ref.forEach((file, label) -> assertEquals(file.substring(0, 1), label, "F32 " + file)); // names start with the true label
        agree("mnist int8", ref, labels(int8.toString(), "../examples/mnist/digits"));
        agree("mnist bf16", ref, labels(bf16.toString(), "../examples/mnist/digits"));

        CliRun inspect = CliRun.of("inspect", int8.toString());
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains("per-row scales of fc1.weight"), inspect.out());
        assertTrue(inspect.out().contains("quantized: int8 (per-channel-symmetric), 4 tensors"), inspect.out());
        assertTrue(inspect.out().contains("3136→128, int8 weights"), inspect.out());
    }

    @Test
    void theJavaApiQuantizesAtLoadAsTheFileDoes() throws Exception {
        Path int8 = quantize("../examples/mnist", "int8");
        List<Path> digits;
        try (Stream<Path> s = Files.list(Path.of("../examples/mnist/digits"))) {
            digits = s.sorted().toList();
        }
        try (Model file = Isthmus.load(int8, Isthmus.options().threads(1));
             Model atLoad = Isthmus.load(Path.of("../examples/mnist"), Isthmus.options().threads(1).quantize(DType.I8));
             Model bf16 = Isthmus.load(Path.of("../examples/mnist"), Isthmus.options().threads(1).quantize(DType.BF16))) {
            ImageInput img = ImageInput.of(file.inputs().get(0), "mnist");
            long[] one = img.shape(), shape = new long[one.length + 1]; // one image, as a batch of 1
            shape[0] = 1;
            System.arraycopy(one, 0, shape, 1, one.length);
            List<String> labels = new ArrayList<>();
            for (Path d : digits) {
                float[] px = new float[img.size()];
                img.load(d, px, 0, n -> { });
                Tensor x = Tensor.ofFloats(px, shape);
                float[] a = file.run(x).get("output").toFloatArray();
                assertArrayEquals(a, atLoad.run(x).get("output").toFloatArray(), d.toString());
                labels.add(argmax(bf16.run(x).get("output").toFloatArray()) + "");
                assertEquals(d.getFileName().toString().substring(0, 1), argmax(a) + "", d.toString());
            }
            for (int i = 0; i < digits.size(); i++) assertEquals(digits.get(i).getFileName().toString().substring(0, 1), labels.get(i));
        }
    }

    /** The cosine similarity of two vectors of the same length. */
    private static double cosine(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    @Test
    void transformerProjectionsAreQuantizedAndFollowPyTorch() throws Exception {
        for (String c : new String[]{"transformer_final_norm", "transformer_layer", "transformer_heads3"}) {
            Path dir = Path.of("../fixtures/torch", c);
            Tensor x = dev.isthmus.formats.npy.Npy.read(dir.resolve("in_x.npy"), null);
            float[] want = dev.isthmus.formats.npy.Npy.read(dir.resolve("out_0.npy"), null).toFloatArray();
            for (String dtype : new String[]{"int8", "bf16"}) {
                Path out = tmp.resolve(c + "-" + dtype + ".safetensors");
                CliRun r = CliRun.of("quantize", dir.resolve("model.safetensors").toString(), out.toString(), "--dtype", dtype, "-v");
                assertEquals(0, r.code(), r.err());
                for (String w : new String[]{"self_attn.in_proj_weight", "self_attn.out_proj.weight", "linear1.weight", "linear2.weight"}) {
                    assertTrue(r.out().contains(w), c + " " + dtype + " quantizes " + w + ": " + r.out());
                }
                try (Model m = Isthmus.load(out, Isthmus.options().threads(1))) {
                    double cos = cosine(m.run(x).values().iterator().next().toFloatArray(), want);
                    System.out.printf(Locale.ROOT, "%s %s: cosine to PyTorch's F32 output %.6f%n", c, dtype, cos);
                    assertTrue(cos > (dtype.equals("int8") ? 0.999 : 0.9999), c + " " + dtype + ": cosine " + cos);
                    assertTrue(cos < 1 - 1e-9, c + " " + dtype + ": the weights did change");
                }
            }
        }
    }

    /**
     * A 2-layer bidirectional LSTM, an LSTM with a projection and two RNNs: their int8 / bf16 layers run on the
     * weight-only kernels and follow PyTorch; on the default backend, the LSTM's int8 input projections run on oneDNN's
     * int8 matmul where the CPU has VNNI, and follow too.
     */
    @ParameterizedTest
    @CsvSource({"lstm, LSTM", "lstm_proj_seq1, LSTM", "rnn_tanh, RNN", "rnn_relu_seq1, RNN"})
    void recurrentLayersStayNarrowAndFollowPyTorch(String fixture, String op) throws Exception {
        Path dir = Path.of("../fixtures/graph/" + fixture);
        Tensor x = dev.isthmus.formats.npy.Npy.read(dir.resolve("in_x.npy"), null);
        for (String dtype : new String[]{"int8", "bf16"}) {
            Path q = tmp.resolve(fixture + "-" + dtype + ".safetensors");
            CliRun r = CliRun.of("quantize", dir.resolve("model.safetensors").toString(), q.toString(), "--dtype", dtype);
            assertEquals(0, r.code(), r.err());
            CliRun inspect = CliRun.of("inspect", q.toString());
            assertTrue(inspect.out().contains(op) && inspect.out().contains(dtype + " weights"), inspect.out());
            for (String backend : dtype.equals("int8") ? new String[]{"java", "auto"} : new String[]{"java"}) {
                try (Model m = Isthmus.load(q, Isthmus.options().threads(1).backend(backend));
                     Model f32 = Isthmus.load(dir.resolve("model.safetensors"), Isthmus.options().threads(1).backend("java"))) {
                    // (oneDNN pads a layer this small to its blocked int8 layout: its bytes say nothing about a real model's)
                    assertTrue(backend.equals("auto") || m.heldBytes() < 0.6 * f32.heldBytes(),
                            dtype + ": holds " + m.heldBytes() + " bytes, F32 " + f32.heldBytes());
                    Map<String, Tensor> outs = m.run(x);
                    int i = 0;
                    for (Tensor got : outs.values()) {
                        double cos = cosine(got.toFloatArray(), dev.isthmus.formats.npy.Npy.read(dir.resolve("out_" + i + ".npy"), null).toFloatArray());
                        System.out.printf(Locale.ROOT, "%s %s (%s) output %d: cosine to PyTorch's F32 %.6f%n", fixture, dtype, backend, i, cos);
                        assertTrue(cos > (dtype.equals("int8") ? 0.999 : 0.9999), fixture + " " + dtype + " " + backend + " output " + i + ": cosine " + cos);
                        i++;
                    }
                    assertEquals(2, i);
                }
            }
        }
    }

    @Test
    void huggingFaceDirectoriesBecomeDirectoriesLaidOutTheSame() throws Exception {
        List<String> sentences = Files.readAllLines(Path.of("../examples/text/sentences.txt"));
        Path text = tmp.resolve("text-int8");
        CliRun r = CliRun.of("quantize", "../examples/text", text.toString(), "--calibrate", "../examples/text/sentences.txt");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("calibration on " + sentences.size() + " inputs: the same best label for " + sentences.size()), r.out());
        for (String f : new String[]{"config.json", "tokenizer.json", "model.safetensors"}) assertTrue(Files.exists(text.resolve(f)), f);
        try (dev.isthmus.Classifier f32 = Isthmus.classifier(Path.of("../examples/text"), Isthmus.options().threads(1));
             dev.isthmus.Classifier q = Isthmus.classifier(text, Isthmus.options().threads(1))) {
            List<dev.isthmus.Classifier.Input> a = new ArrayList<>(), b = new ArrayList<>();
            for (String t : sentences) {
                a.add(f32.text(t, t));
                b.add(q.text(t, t));
            }
            List<dev.isthmus.Classifier.Prediction> pa = f32.classify(a, 1), pb = q.classify(b, 1);
            for (int i = 0; i < sentences.size(); i++) assertEquals(pa.get(i).label(), pb.get(i).label(), sentences.get(i));
            float[][] oa = f32.outputs(a), ob = q.outputs(b);
            assertTrue(!java.util.Arrays.equals(oa[0], ob[0]), "the int8 weights are in use");
        }
        CliRun inspect = CliRun.of("inspect", text.toString());
        assertEquals(0, inspect.code(), inspect.err());
        assertTrue(inspect.out().contains("I8"), inspect.out());

        Path embed = tmp.resolve("embed-bf16");
        assertEquals(0, CliRun.of("quantize", "../examples/embed", embed.toString(), "--dtype", "bf16").code());
        assertTrue(Files.exists(embed.resolve("1_Pooling/config.json")), "sub-folders are copied");
        List<String> texts = Files.readAllLines(Path.of("../examples/embed/sentences.txt")).subList(0, 8);
        try (dev.isthmus.TextEmbedder f32 = Isthmus.embedder(Path.of("../examples/embed"), Isthmus.options().threads(1));
             dev.isthmus.TextEmbedder q = Isthmus.embedder(embed, Isthmus.options().threads(1))) {
            float[][] a = f32.embed(texts), b = q.embed(texts);
            for (int i = 0; i < a.length; i++) {
                double dot = 0;
                for (int j = 0; j < a[i].length; j++) dot += (double) a[i][j] * b[i][j]; // unit vectors
                assertTrue(dot > 0.9999, texts.get(i) + ": cosine " + dot);
            }
        }
        CliRun again = CliRun.of("quantize", text.toString(), tmp.resolve("twice").toString());
        assertEquals(Main.EXIT_DATA, again.code());
        assertTrue(again.err().contains("already quantized"), again.err());
        CliRun full = CliRun.of("quantize", "../examples/text", embed.toString());
        assertEquals(Main.EXIT_DATA, full.code());
        assertTrue(full.err().contains("new or empty"), full.err());
    }

    private static int argmax(float[] a) {
        int b = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
        return b;
    }

    @Test
    void gruInt8AndBf16LabelTheSequencesAsF32Does() throws Exception {
        Path f32 = Path.of("../examples/gru/model.safetensors");
        Map<String, String> ref = labels("../examples/gru", "../examples/gru/sequences");
        assertEquals(12, ref.size());
        for (String dtype : new String[]{"int8", "bf16"}) {
            Path q = quantize("../examples/gru", dtype);
            System.out.printf(Locale.ROOT, "gru %s: %d bytes (F32 %d)%n", dtype, Files.size(q), Files.size(f32));
            agree("gru " + dtype, ref, labels(q.toString(), "../examples/gru/sequences"));
            CliRun inspect = CliRun.of("inspect", q.toString());
            assertTrue(inspect.out().contains("3→32, 1 layer, batch_first, " + dtype + " weights"), inspect.out());
        }
    }

    @Test
    void calibrationReportsAgreementAndCosineOnTheGivenInputs() throws Exception {
        for (String dtype : new String[]{"int8", "bf16"}) {
            Path out = tmp.resolve("cal-" + dtype + ".safetensors");
            CliRun r = CliRun.of("quantize", "../examples/mnist", out.toString(), "--dtype", dtype,
                    "--calibrate", "../examples/mnist/digits");
            assertEquals(0, r.code(), r.err());
            System.out.println(r.out());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                    "calibration on 24 inputs: the same best label for (\\d+) \\(.*mean ([0-9.]+), lowest ([0-9.]+); largest difference (\\S+)")
                    .matcher(r.out());
            assertTrue(m.find(), r.out());
            assertEquals(24, Integer.parseInt(m.group(1)), r.out());
            double mean = Double.parseDouble(m.group(2)), low = Double.parseDouble(m.group(3)), diff = Double.parseDouble(m.group(4));
            assertTrue(low <= mean && mean <= 1.0, r.out());
            assertTrue(low > 0.999, r.out()); // the bundled digits' logits barely move under int8 or bf16 weights
            assertTrue(diff > 0, "quantized weights change the logits somewhat: " + r.out());
        }
        CliRun none = CliRun.of("quantize", "../examples/mnist", tmp.resolve("none.safetensors").toString(),
                "--calibrate", tmp.resolve("missing").toString());
        assertEquals(Main.EXIT_DATA, none.code(), none.err());
        assertTrue(none.err().contains("none of the --calibrate inputs (1 file)"), none.err());
        assertTrue(Files.exists(tmp.resolve("none.safetensors")), "the quantized file is written before the comparison");
    }

    @Test
    void usageErrorsAreOneLine() {
        CliRun r = CliRun.of("quantize", "../examples/mnist", tmp.resolve("x.safetensors").toString(), "--dtype", "int4");
        assertEquals(Main.EXIT_USAGE, r.code());
        assertTrue(r.err().contains("--dtype must be int8 or bf16"), r.err());
        CliRun again = CliRun.of("quantize", quantize("../examples/gru", "int8").toString(), tmp.resolve("y.safetensors").toString());
        assertEquals(Main.EXIT_DATA, again.code());
        assertTrue(again.err().contains("already quantized"), again.err());
        CliRun help = CliRun.of("quantize", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--dtype"), help.out());
    }
}
