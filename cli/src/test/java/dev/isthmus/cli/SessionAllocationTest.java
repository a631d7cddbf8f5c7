package dev.isthmus.cli;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import org.junit.jupiter.api.Test;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steady-state session runs allocate nothing on the Java heap: the seed models, a ResNet and an EfficientNet exported
 * from torchvision (residual adds, squeeze-and-excitation gates, depthwise convolutions), a hand-written attention,
 * an LSTM, and Hugging Face BERT and DistilBERT — every model in planned memory. Measured with the thread's
 * allocation counter after warm-up, on one compute thread (bench/ records the same with JMH -prof gc). Runs in its own
 * JVM with -Xbatch (cli/pom.xml); a model that still allocates gets its allocation sites printed.
 */
class SessionAllocationTest {
    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().threadId());
    }

    /** A case directory (case.json, the model, in_*.npy) of fixtures/graph or fixtures/hf. */
    static Map<String, Tensor> inputs(Path dir) throws Exception {
        Map<String, Object> c = Json.parseObject(Files.readString(dir.resolve("case.json")));
        Map<String, Tensor> in = new LinkedHashMap<>();
        if (c.get("inputs") instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) in.put((String) e.getKey(), Npy.read(dir.resolve((String) e.getValue()), null));
        } else {
            try (var files = Files.list(dir)) {
                for (Path p : files.filter(p -> p.getFileName().toString().startsWith("in_")).sorted().toList()) {
                    String n = p.getFileName().toString();
                    in.put(n.substring(3, n.length() - 4), Npy.read(p, null));
                }
            }
        }
        return in;
    }

    static double bytesPerRun(Path model, Map<String, Tensor> in) throws Exception {
        try (Model m = ModelLoader.load(model, 1); Session s = m.newSession()) {
            double best = Double.MAX_VALUE;
            // warm-up until C2 has compiled (and, after other models ran in this JVM, recompiled) what the model
            // runs: measured rounds until one allocates nothing, for at most 30 s (a quiet machine needs a few; a CI
            // machine shared with other jobs took over 10 s for the last of several models: its compiler threads
            // queue behind the test's own)
            long deadline = System.nanoTime() + 30_000_000_000L;
            for (int round = 0; best > 0 && System.nanoTime() < deadline; round++) {
                for (int i = 0; i < 200; i++) s.run(in);
                long o0 = allocated(), o1 = allocated(); // what reading the counter costs
                long before = allocated();
                for (int i = 0; i < 50; i++) s.run(in);
                best = Math.min(best, Math.max(0, allocated() - before - (o1 - o0)) / 50.0);
            }
            assertEquals(1, s.planCount(), "one input shape, one plan");
            if (best > 0) System.out.println("still allocating after the warm-up, " + model + ":\n" + whereItAllocates(s, in));
            return best;
        }
    }

    /**
     * The allocation sites of a few hundred more runs, from a JFR recording of allocation samples: the allocated class
     * and the first frames down to the first isthmus frame, most sampled first. Printed when a model still allocates,
     * so that a failure on a CI machine names the kernel that was not compiled or boxed its vectors.
     */
    static String whereItAllocates(Session s, Map<String, Tensor> in) throws Exception {
        Path file = Files.createTempFile("session-allocation", ".jfr");
        try (Recording r = new Recording()) {
            r.enable("jdk.ObjectAllocationSample").with("throttle", "100000/s").withStackTrace();
            r.start();
            for (int i = 0; i < 500; i++) s.run(in);
            r.stop();
            r.dump(file);
            Map<String, Integer> sites = new HashMap<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (e.getStackTrace() == null) continue;
                StringBuilder site = new StringBuilder(e.getClass("objectClass").getName());
                for (RecordedFrame f : e.getStackTrace().getFrames()) {
                    site.append(" <- ").append(f.getMethod().getType().getName().replaceFirst(".*\\.", ""))
                            .append('.').append(f.getMethod().getName()).append(':').append(f.getLineNumber())
                            .append(f.isJavaFrame() ? "" : "(native)").append(' ').append(f.getType());
                    if (f.getMethod().getType().getName().startsWith("dev.isthmus")) break;
                }
                sites.merge(site.toString(), 1, Integer::sum);
            }
            StringBuilder out = new StringBuilder();
            sites.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(8)
                    .forEach(e -> out.append("  ").append(e.getValue()).append("x ").append(e.getKey()).append('\n'));
            return out.isEmpty() ? "  (no samples)" : out.toString();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static void check(String name, Path model, Map<String, Tensor> in) throws Exception {
        double b = bytesPerRun(model, in);
        System.out.println("session run allocation, " + name + ": " + b + " bytes/run");
        assertTrue(b == 0, name + ": " + b + " bytes per run in steady state, expected none");
    }

    @Test
    void seedModels() throws Exception {
        for (String f : new String[]{"cnn_seed_b1", "cnn_seed", "gru_seed", "transformer_bert", "embedding_transformer_i64"}) {
            check(f, SharedModelThreadsTest.model(f), SharedModelThreadsTest.inputs(f));
        }
    }

    @Test
    void exportedTorchvisionAndHandWrittenModels() throws Exception {
        for (String f : new String[]{"resnet18", "efficientnet_b0", "attention_mask", "lstm", "functional_ops"}) {
            Path d = Path.of("..", "fixtures", "graph", f);
            check(f, d.resolve("model.safetensors"), inputs(d));
        }
    }

    @Test
    void huggingFaceModels() throws Exception {
        for (String f : new String[]{"bert_cls_padded", "distilbert_base_padded"}) {
            Path d = Path.of("..", "fixtures", "hf", f);
            check(f, d.resolve("model"), inputs(d));
        }
    }
}
