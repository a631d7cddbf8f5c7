package dev.isthmus.cli;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sentence-transformers directories (fixtures/sentence_transformers, written by tools/make_st_fixtures.py with
 * sentence-transformers' pooling, Dense and Normalize in torch on the HF fixtures' BERT and DistilBERT) loaded as
 * published: every output within 1e-4 of the float64 goldens, through the Java API and through {@code isthmus run}.
 */
class SentenceTransformersTest {
    static final Path ROOT = Path.of("..", "fixtures", "sentence_transformers");

    @TempDir
    Path tmp;

    static List<HfFixturesTest.Case> all() throws IOException {
        List<HfFixturesTest.Case> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(ROOT)) {
            for (Path d : s.sorted().toList()) {
                Map<String, Object> j = Json.parseObject(Files.readString(d.resolve("case.json")));
                Map<String, Path> in = new LinkedHashMap<>();
                ((Map<?, ?>) j.get("inputs")).forEach((k, v) -> in.put((String) k, d.resolve((String) v)));
                List<Path> outs = ((List<?>) j.get("outputs")).stream().map(o -> d.resolve((String) o)).toList();
                List<String> names = ((List<?>) j.get("output_names")).stream().map(o -> (String) o).toList();
                out.add(new HfFixturesTest.Case(d.getFileName().toString(), d, d.resolve((String) j.get("model")).normalize(),
                        (String) j.get("architecture"), in, outs, names));
            }
        }
        assertTrue(out.size() >= 4, "fixtures at " + ROOT.toAbsolutePath());
        return out;
    }

    @TestFactory
    List<DynamicTest> javaApiMatchesSentenceTransformers() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (HfFixturesTest.Case c : all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                try (Model m = ModelLoader.load(c.model())) {
                    assertEquals(List.of("sentence_embedding", "token_embeddings"), m.outputNames());
                    Map<String, Tensor> out = m.run(HfFixturesTest.feed(c));
                    int k = 0;
                    for (Tensor actual : out.values()) {
                        Tensor expected = Npy.read(c.outputs().get(k), null);
                        assertArrayEquals(expected.shape(), actual.shape(), c.name() + " output " + k);
                        HfFixturesTest.assertClose(c.name() + " " + c.outputNames().get(k), expected.toFloatArray(), actual.toFloatArray());
                        k++;
                    }
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> cliRunMatchesSentenceTransformers() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (HfFixturesTest.Case c : all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                Path o = tmp.resolve(c.name() + ".npy");
                List<String> args = new ArrayList<>(List.of("run", c.model().toString(), "-o", o.toString()));
                c.inputs().forEach((k, v) -> args.addAll(List.of("-i", k + "=" + v)));
                CliRun r = CliRun.of(args.toArray(String[]::new));
                assertEquals(0, r.code(), r.err());
                HfFixturesTest.assertClose(c.name(), Npy.read(c.outputs().get(0), null).toFloatArray(), Npy.read(o, null).toFloatArray());
            }));
        }
        return tests;
    }

    /**
     * {@code isthmus embed} and {@code Isthmus.embedder} on a fixture with a tokenizer: the ids and sentence embeddings
     * tools/make_st_fixtures.py computed for its texts (texts.json), within 1e-4.
     */
    @Test
    void embedGivesTheFixturesTextEmbeddings() throws IOException {
        Path dir = ROOT.resolve("st_bert_mean_normalize_padded");
        List<?> texts = (List<?>) Json.parse(Files.readString(dir.resolve("texts.json")));
        List<String> args = new ArrayList<>(List.of("embed", dir.resolve("model").toString()));
        try (dev.isthmus.TextEmbedder e = dev.isthmus.Isthmus.embedder(dir.resolve("model"))) {
            for (Object o : texts) {
                Map<?, ?> t = (Map<?, ?>) o;
                String text = (String) t.get("text");
                args.addAll(List.of("--text", text));
                long[] ids = ((List<?>) t.get("input_ids")).stream().mapToLong(v -> (Long) v).toArray();
                assertArrayEquals(ids, e.tokenizer().ids(text), text);
                HfFixturesTest.assertClose(text, floats((List<?>) t.get("embedding")), e.embed(text));
            }
        }
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(texts.size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            Map<?, ?> t = (Map<?, ?>) texts.get(i);
            HfFixturesTest.assertClose((String) t.get("text"), floats((List<?>) t.get("embedding")),
                    floats((List<?>) Json.parseObject(lines.get(i)).get("embedding")));
        }
    }

    static float[] floats(List<?> l) {
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) f[i] = ((Number) l.get(i)).floatValue();
        return f;
    }

    /** A copy of one fixture model to break. */
    Path copy(String fixture) throws IOException {
        Path src = ROOT.resolve(fixture).resolve("model"), dst = tmp.resolve("model");
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
        return dst;
    }

    @Test
    void whatALoaderCannotUseIsNamedWithItsFile() throws IOException {
        Path dir = copy("st_bert_cls_max_sqrt_dense_padded");
        Files.writeString(dir.resolve("1_Pooling/config.json"), Files.readString(dir.resolve("1_Pooling/config.json"))
                .replace("\"pooling_mode_lasttoken\": false", "\"pooling_mode_lasttoken\": true"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("1_Pooling/config.json") + ": \"pooling_mode_lasttoken\" is not supported"), e.getMessage());

        Files.writeString(dir.resolve("modules.json"), "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models.Transformer\"},"
                + "{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_transformers.models.Pooling\"},"
                + "{\"idx\":2,\"name\":\"2\",\"path\":\"2_LSTM\",\"type\":\"sentence_transformers.models.LSTM\"}]");
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains("type 'sentence_transformers.models.LSTM' is not supported (supported after the"
                + " Transformer: Pooling, Dense, Normalize)"), e.getMessage());

        Files.writeString(dir.resolve("modules.json"), "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models.Transformer\"},"
                + "{\"idx\":1,\"name\":\"1\",\"path\":\"../../etc\",\"type\":\"sentence_transformers.models.Pooling\"}]");
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir));
        assertTrue(e.getMessage().contains("leaves the model directory"), e.getMessage());
    }
}
