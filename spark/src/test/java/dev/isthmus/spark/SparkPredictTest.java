package dev.isthmus.spark;

import dev.isthmus.Isthmus;
import dev.isthmus.TextEmbedder;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.npy.Npy;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job and the DataFrame API in Spark's local mode (two cores), on the bundled examples: the labels PyTorch gave
 * (the same files' expected.json that {@code isthmus predict} is tested against), broken inputs as rows with an
 * error, and a job that succeeds.
 */
class SparkPredictTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("isthmus-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    private static Map<String, Object> expected(String file) throws Exception {
        return Json.parseObject(Files.readString(Path.of(file)));
    }

    private static void assertLabel(Map<String, Object> expected, String key, String label, Number score) {
        Map<?, ?> want = (Map<?, ?>) expected.get(key);
        assertNotNull(want, "no expectation for " + key);
        assertEquals(want.get("label"), label, key);
        assertEquals(((Number) want.get("score")).doubleValue(), score.doubleValue(), 1e-4, key);
    }

    @Test
    void predictFilesLabelsTheDigitsAndReportsBrokenFilesAsRows(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        Path nested = Files.createDirectories(in.resolve("more"));
        List<String> digits = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("../examples/mnist/digits"))) {
            for (Path f : s.sorted().toList()) {
                Path to = (digits.size() % 2 == 0 ? in : nested).resolve(f.getFileName());
                Files.copy(f, to);
                digits.add(f.getFileName().toString());
            }
        }
        byte[] png = Files.readAllBytes(Path.of("../examples/mnist/digits/0_0242.png"));
        Files.write(in.resolve("truncated.png"), java.util.Arrays.copyOf(png, png.length / 2));
        Files.write(in.resolve("text.png"), "not an image".getBytes(StandardCharsets.UTF_8));
        Files.write(nested.resolve("empty.png"), new byte[0]);
        Files.write(in.resolve(".hidden.png"), png); // hidden, as Spark's own sources have it: not listed
        Files.createDirectories(in.resolve("_temporary")).resolve("part.png").toFile().createNewFile();
        Path out = tmp.resolve("out");

        PredictFiles.Args args = PredictFiles.Args.parse(new String[]{"../examples/mnist", in.toString(), out.toString(), "--batch", "5"});
        long n = PredictFiles.run(spark.sparkContext(), args);
        assertEquals(digits.size() + 3, n);

        Map<String, Object> expected = expected("../examples/mnist/expected.json");
        Map<String, Map<String, Object>> lines = new HashMap<>();
        try (Stream<Path> parts = Files.list(out)) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                for (String line : Files.readAllLines(part)) {
                    Map<String, Object> o = Json.parseObject(line);
                    assertEquals(List.of("file", "label", "score", "error"), new ArrayList<>(o.keySet()), line);
                    String name = Path.of(java.net.URI.create((String) o.get("file"))).getFileName().toString();
                    assertNull(lines.put(name, o), "two lines for " + name);
                }
            }
        }
        assertEquals(digits.size() + 3, lines.size());
        for (String d : digits) {
            Map<String, Object> o = lines.get(d);
            assertNull(o.get("error"), d);
            assertLabel(expected, d, (String) o.get("label"), (Number) o.get("score"));
        }
        for (String broken : List.of("truncated.png", "text.png", "empty.png")) {
            Map<String, Object> o = lines.get(broken);
            assertNull(o.get("label"), broken);
            String error = (String) o.get("error");
            assertNotNull(error, broken);
            assertTrue(error.contains(broken), error);
        }
    }

    @Test
    void textsGetLabelsAndANullTextAnError() throws Exception {
        List<String> sentences = Files.readAllLines(Path.of("../examples/text/sentences.txt"));
        List<Row> rows = new ArrayList<>();
        for (String s : sentences) rows.add(RowFactory.create(s));
        rows.add(RowFactory.create((Object) null));
        Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("text", DataTypes.StringType)).repartition(2);
        List<Row> got = Predictions.predict(df, "../examples/text", "text", PredictOptions.defaults().topK(2).batch(3)).collectAsList();
        assertEquals(sentences.size() + 1, got.size());
        Map<String, Object> expected = expected("../examples/text/expected.json");
        int nulls = 0;
        for (Row r : got) {
            if (r.isNullAt(0)) {
                nulls++;
                assertTrue(r.<String>getAs("error").contains("no input"), r.toString());
                continue;
            }
            assertNull(r.getAs("error"), r.toString());
            assertLabel(expected, r.getString(0), r.getAs("label"), r.<Float>getAs("score"));
            List<Row> top = r.getList(r.fieldIndex("top"));
            assertEquals(2, top.size());
            assertEquals(r.<String>getAs("label"), top.get(0).getString(0));
            assertNull(r.getAs("embedding"));
        }
        assertEquals(1, nulls);
    }

    @Test
    void sequencesAsNumbersAndAsFileBytesGivePyTorchsLabels() throws Exception {
        Map<String, Object> expected = expected("../examples/gru/expected.json");
        List<Row> rows = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("../examples/gru/sequences"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".npy")).sorted().toList()) {
                float[] v = Npy.read(f, null).toFloatArray();
                List<Float> l = new ArrayList<>();
                for (float x : v) l.add(x);
                rows.add(RowFactory.create(f.getFileName().toString(), l));
            }
        }
        rows.add(RowFactory.create("odd", List.of(1f)));
        StructType schema = new StructType().add("name", DataTypes.StringType)
                .add("values", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> got = Predictions.predict(spark.createDataFrame(rows, schema), "../examples/gru", "values",
                PredictOptions.defaults().sourceColumn("name")).collectAsList();
        for (Row r : got) {
            if (r.getString(0).equals("odd")) {
                assertTrue(r.<String>getAs("error").startsWith("odd: "), r.toString());
                continue;
            }
            assertLabel(expected, r.getString(0), r.getAs("label"), r.<Float>getAs("score"));
        }

        Dataset<Row> files = spark.read().format("binaryFile").load("../examples/gru/sequences");
        List<Row> fromBytes = Predictions.predict(files, "../examples/gru", "content").select("path", "label", "score", "error").collectAsList();
        assertEquals(12, fromBytes.size());
        for (Row r : fromBytes) {
            assertNull(r.get(3), r.toString());
            assertLabel(expected, Path.of(java.net.URI.create(r.getString(0))).getFileName().toString(), r.getString(1), r.<Float>getAs(2));
        }
    }

    @Test
    void embeddingModelsFillTheEmbeddingColumn() throws Exception {
        List<String> sentences = Files.readAllLines(Path.of("../examples/embed/sentences.txt")).subList(0, 10);
        List<Row> rows = new ArrayList<>();
        for (String s : sentences) rows.add(RowFactory.create(s));
        Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("text", DataTypes.StringType));
        List<Row> got = Predictions.predict(df, "../examples/embed", "text").collectAsList();
        try (TextEmbedder e = Isthmus.embedder(Path.of("../examples/embed"), Isthmus.options().threads(1))) {
            float[][] want = e.embed(sentences);
            for (int i = 0; i < got.size(); i++) {
                Row r = got.get(i);
                assertNull(r.getAs("label"));
                List<Float> v = r.getList(r.fieldIndex("embedding"));
                int k = sentences.indexOf(r.getString(0));
                assertEquals(want[k].length, v.size());
                for (int j = 0; j < v.size(); j++) assertEquals(want[k][j], v.get(j), 1e-6f);
            }
        }
    }

    @Test
    void predictFilesWithTopKWritesTheBestLabelsInOrder(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        PredictFiles.run(spark.sparkContext(), PredictFiles.Args.parse(new String[]{"../examples/gru", "../examples/gru/sequences",
                out.toString(), "--top-k", "3", "--batch", "4", "--partitions", "3"}));
        Map<String, Object> expected = expected("../examples/gru/expected.json");
        int lines = 0;
        try (Stream<Path> parts = Files.list(out)) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                for (String line : Files.readAllLines(part)) {
                    Map<String, Object> o = Json.parseObject(line);
                    assertEquals(List.of("file", "label", "score", "top", "error"), new ArrayList<>(o.keySet()), line);
                    String name = Path.of(java.net.URI.create((String) o.get("file"))).getFileName().toString();
                    assertLabel(expected, name, (String) o.get("label"), (Number) o.get("score"));
                    List<?> top = (List<?>) o.get("top");
                    assertEquals(3, top.size(), line);
                    assertEquals(o.get("label"), ((Map<?, ?>) top.get(0)).get("label"), line);
                    for (int i = 1; i < top.size(); i++) {
                        double prev = ((Number) ((Map<?, ?>) top.get(i - 1)).get("score")).doubleValue();
                        assertTrue(((Number) ((Map<?, ?>) top.get(i)).get("score")).doubleValue() <= prev, line);
                    }
                    lines++;
                }
            }
        }
        assertEquals(12, lines);
    }

    @Test
    void predictFilesWritesEmbeddingsForAnEmbeddingModel(@TempDir Path tmp) throws Exception {
        List<String> sentences = Files.readAllLines(Path.of("../examples/embed/sentences.txt")).subList(0, 6);
        Path in = Files.createDirectories(tmp.resolve("texts"));
        for (int i = 0; i < sentences.size(); i++) Files.writeString(in.resolve("t" + i + ".txt"), sentences.get(i));
        Files.write(in.resolve("latin1.txt"), new byte[]{'c', 'a', 'f', (byte) 0xe9});
        Path out = tmp.resolve("out");
        assertEquals(sentences.size() + 1, PredictFiles.run(spark.sparkContext(), PredictFiles.Args.parse(
                new String[]{"../examples/embed", in.toString(), out.toString()})));
        try (TextEmbedder e = Isthmus.embedder(Path.of("../examples/embed"), Isthmus.options().threads(1))) {
            int seen = 0;
            try (Stream<Path> parts = Files.list(out)) {
                for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                    for (String line : Files.readAllLines(part)) {
                        Map<String, Object> o = Json.parseObject(line);
                        assertEquals(List.of("file", "embedding", "error"), new ArrayList<>(o.keySet()), line);
                        String name = Path.of(java.net.URI.create((String) o.get("file"))).getFileName().toString();
                        seen++;
                        if (name.equals("latin1.txt")) {
                            assertTrue(((String) o.get("error")).contains("not UTF-8"), line);
                            assertNull(o.get("embedding"), line);
                            continue;
                        }
                        float[] want = e.embed(sentences.get(Integer.parseInt(name.substring(1, name.indexOf('.')))));
                        List<?> got = (List<?>) o.get("embedding");
                        assertEquals(want.length, got.size());
                        for (int j = 0; j < want.length; j++) assertEquals(want[j], ((Number) got.get(j)).floatValue(), 1e-6f, name);
                    }
                }
            }
            assertEquals(sentences.size() + 1, seen);
        }
    }

    @Test
    void aColumnNoModelReadsIsRefusedBeforeAnythingRuns() {
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(1)), new StructType().add("n", DataTypes.IntegerType));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Predictions.predict(df, "../examples/mnist", "n"));
        assertTrue(e.getMessage().contains("'n' is int"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Predictions.predict(df, "../examples/mnist", "missing"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PredictFiles.Args.parse(new String[]{"m", "in"}))
                .getMessage().contains("usage"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PredictFiles.Args.parse(new String[]{"m", "i", "o", "--batch", "0"}))
                .getMessage().contains("--batch"));
    }

    @Test
    void anExistingOutputFolderIsRefusedBeforeTheJobStarts(@TempDir Path tmp) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PredictFiles.run(spark.sparkContext(),
                PredictFiles.Args.parse(new String[]{"../examples/mnist", "../examples/mnist/digits", tmp.toString()})));
        assertTrue(e.getMessage().contains(tmp.toString()) && e.getMessage().contains("exists"), e.getMessage());
    }

    @Test
    void jsonLinesHaveEveryKeyInOrderAndStayJsonForAnyFloat() {
        var top = scala.jdk.javaapi.CollectionConverters.asScala(List.of(RowFactory.create("a\"b", 0.75f), RowFactory.create("c", Float.NaN))).toSeq();
        Row labelled = RowFactory.create("f", "a\"b", 0.75f, top, null, null);
        assertEquals("{\"file\":\"f\",\"label\":\"a\\\"b\",\"score\":0.75,\"error\":null}", new JsonLines(false, false, 1).line("f", labelled));
        assertEquals(Map.of("label", "c", "score", "NaN"), ((List<?>) Json.parseObject(new JsonLines(false, true, 1).line("f", labelled)).get("top")).get(1));
        Row failed = RowFactory.create("g", null, null, null, null, "g: not an image");
        assertEquals(java.util.Arrays.asList("g", null, null, null, "g: not an image"),
                new ArrayList<>(Json.parseObject(new JsonLines(false, true, 1).line("g", failed)).values()));
        var vector = scala.jdk.javaapi.CollectionConverters.asScala(List.of(1.5f, Float.POSITIVE_INFINITY)).toSeq();
        Map<String, Object> embedded = Json.parseObject(new JsonLines(true, false, 1).line("t", RowFactory.create("t", null, null, null, vector, null)));
        assertEquals(List.of("file", "embedding", "error"), new ArrayList<>(embedded.keySet()));
        assertEquals(List.of(1.5, "Infinity"), embedded.get("embedding"));
    }
}
