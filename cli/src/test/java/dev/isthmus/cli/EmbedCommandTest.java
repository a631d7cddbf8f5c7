package dev.isthmus.cli;

import dev.isthmus.Isthmus;
import dev.isthmus.TextEmbedder;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import dev.isthmus.formats.tokenizer.ModelTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code isthmus embed} and the Java embedding call on the bundled example (examples/embed, a sentence-transformers
 * directory trained by tools/make_embed_example.py): the token ids and the embeddings that script computed in
 * float64 for its sentences, within 1e-4.
 */
class EmbedCommandTest {
    static final Path MODEL = Path.of("../examples/embed");

    @TempDir
    Path tmp;

    record Expected(String text, long[] ids, float[] embedding) {
    }

    static List<Expected> expected() throws IOException {
        List<Expected> out = new ArrayList<>();
        for (Object o : (List<?>) Json.parse(Files.readString(MODEL.resolve("expected.json")))) {
            Map<?, ?> m = (Map<?, ?>) o;
            long[] ids = ((List<?>) m.get("input_ids")).stream().mapToLong(v -> (Long) v).toArray();
            List<?> e = (List<?>) m.get("embedding");
            float[] v = new float[e.size()];
            for (int i = 0; i < v.length; i++) v[i] = ((Number) e.get(i)).floatValue();
            out.add(new Expected((String) m.get("text"), ids, v));
        }
        assertEquals(10, out.size());
        return out;
    }

    @Test
    void theJavaCallGivesTheExpectedIdsAndEmbeddings() throws IOException {
        List<Expected> exp = expected();
        try (TextEmbedder e = Isthmus.embedder(MODEL, Isthmus.options().threads(2))) {
            for (Expected x : exp) assertArrayEquals(x.ids(), e.tokenizer().ids(x.text()), x.text());
            float[][] v = e.embed(exp.stream().map(Expected::text).toList());
            for (int i = 0; i < exp.size(); i++) HfFixturesTest.assertClose(exp.get(i).text(), exp.get(i).embedding(), v[i]);
            HfFixturesTest.assertClose("one text", exp.get(3).embedding(), e.embed(exp.get(3).text()));
        }
    }

    @Test
    void jsonLinesInInputOrder() throws IOException {
        List<Expected> exp = expected();
        List<String> args = new ArrayList<>(List.of("embed", MODEL.toString(), "--batch", "3"));
        for (Expected x : exp) args.addAll(List.of("--text", x.text()));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(exp.size(), lines.size());
        for (int i = 0; i < exp.size(); i++) {
            Map<String, Object> o = Json.parseObject(lines.get(i));
            assertEquals(exp.get(i).text(), o.get("text"));
            List<?> e = (List<?>) o.get("embedding");
            float[] v = new float[e.size()];
            for (int k = 0; k < v.length; k++) v[k] = ((Number) e.get(k)).floatValue();
            HfFixturesTest.assertClose(exp.get(i).text(), exp.get(i).embedding(), v);
        }
    }

    @Test
    void aMatrixWithANaNRowForTheInputThatFailedAndTheOthersEmbedded() throws IOException {
        List<Expected> exp = expected();
        Path a = Files.writeString(tmp.resolve("a.txt"), exp.get(0).text());
        Path b = Files.writeString(tmp.resolve("b.txt"), exp.get(1).text());
        Path out = tmp.resolve("e.npy");
        CliRun r = CliRun.of("embed", MODEL.toString(), a.toString(), tmp.resolve("missing.txt").toString(), b.toString(),
                "--format", "npy", "-o", out.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("missing.txt: cannot read: no such file"), r.err());
        assertTrue(r.err().contains("1 of 3 inputs failed; 2 embedded"), r.err());
        Tensor m = Npy.read(out, null);
        assertArrayEquals(new long[]{3, 64}, m.shape());
        float[] all = m.toFloatArray();
        HfFixturesTest.assertClose("row 0", exp.get(0).embedding(), java.util.Arrays.copyOfRange(all, 0, 64));
        for (int k = 64; k < 128; k++) assertTrue(Float.isNaN(all[k]), "row 1 is NaN");
        HfFixturesTest.assertClose("row 2", exp.get(1).embedding(), java.util.Arrays.copyOfRange(all, 128, 192));
    }

    @Test
    void similarToRanksTheInputsByCosineSimilarity() throws IOException {
        List<Expected> exp = expected();
        float[] q = exp.get(0).embedding();
        List<Expected> ranked = new ArrayList<>(exp.subList(1, exp.size()));
        ranked.sort(Comparator.comparingDouble((Expected x) -> -EmbedCommand.cosine(q, x.embedding())));
        List<String> args = new ArrayList<>(List.of("embed", MODEL.toString(), "--similar-to", exp.get(0).text()));
        for (Expected x : exp.subList(1, exp.size())) args.addAll(List.of("--text", x.text()));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(ranked.stream().map(Expected::text).toList(), lines.stream().map(l -> l.substring(l.indexOf("  ") + 2)).toList());
        assertEquals("The dog is sleeping.", ranked.get(0).text(), "the paraphrase is the nearest");
    }

    @Test
    void aModelWithoutASentenceEmbeddingIsRefusedInOneLine() {
        CliRun r = CliRun.of("embed", "../examples/text", "--text", "hello");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("an embedding model needs an output named sentence_embedding"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void maxSeqLengthCutsTheTexts() throws IOException {
        ModelTokenizer t = ModelTokenizer.near(MODEL);
        assertEquals(32, t.maxLength());
        assertEquals(32, t.ids("the dog is sleeping ".repeat(40)).length);
    }
}
