package dev.isthmus.formats.safetensors;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------- crafting files

    /** The 8-byte length prefix {@code n}, then {@code header}, then {@code data}. */
    static byte[] raw(long n, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(header).put(data);
        return b.array();
    }

    /** A file with this header (its true length) and {@code dataLen} data bytes 0, 1, 2, ... */
    static byte[] file(String header, int dataLen) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] d = new byte[dataLen];
        for (int i = 0; i < dataLen; i++) d[i] = (byte) i;
        return raw(h.length, h, d);
    }

    /** A header entry. */
    static String e(String dtype, String shape, long begin, long end) {
        return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    Path put(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    /** Asserts that opening {@code content} fails with {@code rule}, naming the file (and the tensor if given). */
    ModelFormatException refuse(String rule, String tensor, byte[] content) throws IOException {
        Path p = put("bad.safetensors", content);
        ModelFormatException ex = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(p).close());
        assertEquals(rule, ex.rule(), ex.getMessage());
        assertEquals(p.toString(), ex.file());
        assertTrue(ex.getMessage().contains("bad.safetensors"), ex.getMessage());
        assertTrue(ex.getMessage().contains("[rule: " + rule + "]"), ex.getMessage());
        assertEquals(tensor, ex.tensor(), ex.getMessage());
        if (tensor != null) assertTrue(ex.getMessage().contains("'" + tensor + "'"), ex.getMessage());
        return ex;
    }

    ModelFormatException refuse(String rule, String tensor, String header, int dataLen) throws IOException {
        return refuse(rule, tensor, file(header, dataLen));
    }

    SafetensorsFile open(String header, int dataLen) throws IOException {
        return SafetensorsFile.open(put("ok.safetensors", file(header, dataLen)));
    }

    // ---------------------------------------------------------------- rules

    @Test
    void releasingPagesKeepsEveryTensorReadableAndIsANoOpOnceClosed() {
        float[] v = new float[300_000]; // several pages
        for (int i = 0; i < v.length; i++) v[i] = i * 0.5f;
        Path p = dir.resolve("release.safetensors");
        SafetensorsWriter.write(p, Map.of("w", Tensor.ofFloats(v, 600, 500)), Map.of());
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(v[123_456], f.tensor("w").getFloat(123_456));
        f.releasePages();
        assertArrayEquals(v, f.tensor("w").toFloatArray(), "the tensor is read again from the file after its pages were dropped");
        f.tensor("w").releasePages();
        assertEquals(v[299_999], f.tensor("w").getFloat(299_999), "a tensor whose own pages were dropped reads the same");
        f.releasePages();
        f.close();
        f.releasePages();
    }

    @Test
    void fileTooSmall() throws IOException {
        refuse("file-too-small", null, new byte[7]);
        ModelFormatException ex = refuse("file-too-small", null, new byte[0]);
        assertTrue(ex.getMessage().contains("0 bytes"), ex.getMessage());
    }

    @Test
    void headerTooLarge() throws IOException {
        refuse("header-too-large", null, raw(100_000_001L, new byte[0], new byte[16]));
        // a u64 with the top bit set is negative as a Java long
        ModelFormatException ex = refuse("header-too-large", null, raw(-1L, new byte[0], new byte[16]));
        assertTrue(ex.getMessage().contains("18446744073709551615"), ex.getMessage());
        refuse("header-too-large", null, raw(Long.MIN_VALUE, new byte[0], new byte[16]));
        // exactly the limit is allowed by this rule and fails the next one
        refuse("header-out-of-bounds", null, raw(100_000_000L, new byte[0], new byte[16]));
    }

    @Test
    void headerOutOfBounds() throws IOException {
        byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
        refuse("header-out-of-bounds", null, raw(3, h, new byte[0]));
        refuse("header-out-of-bounds", null, raw(100, "{}      ".getBytes(StandardCharsets.UTF_8), new byte[50]));
    }

    @Test
    void headerUtf8() throws IOException {
        byte[] h = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        ModelFormatException ex = refuse("header-utf8", null, raw(h.length, h, new byte[0]));
        assertTrue(ex.getMessage().contains("header byte 2"), ex.getMessage());
        byte[] lone = {'{', '}', ' ', (byte) 0xFF};
        refuse("header-utf8", null, raw(lone.length, lone, new byte[0]));
        // a UTF-16 surrogate encoded in UTF-8 (CESU) is not valid UTF-8 either
        byte[] cesu = {'{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', ':', '1', '}'};
        refuse("header-utf8", null, raw(cesu.length, cesu, new byte[0]));
    }

    @Test
    void headerJson() throws IOException {
        refuse("header-json", null, "{\"a\": ", 0);
        refuse("header-json", null, "{} {}", 0);
        refuse("header-json", null, "{'a': 1}", 0);
        refuse("header-json", null, "", 0);
        refuse("header-json", null, "{}\0\0\0\0\0\0", 0);
    }

    @Test
    void headerNotObject() throws IOException {
        ModelFormatException ex = refuse("header-not-object", null, "[1, 2]  ", 0);
        assertTrue(ex.getMessage().contains("an array"), ex.getMessage());
        refuse("header-not-object", null, "\"x\"", 0);
        refuse("header-not-object", null, "null", 0);
    }

    @Test
    void duplicateName() throws IOException {
        refuse("duplicate-name", "w", "{\"w\":" + e("F32", "[1]", 0, 4) + ",\"w\":" + e("F32", "[1]", 4, 8) + "}", 8);
        // a key repeated inside an entry names the entry
        ModelFormatException ex = refuse("duplicate-name", "w",
                "{\"v\":" + e("U8", "[1]", 0, 1) + ",\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1,5]}}", 5);
        assertTrue(ex.getMessage().contains("\"dtype\""), ex.getMessage());
        // and inside __metadata__ names no tensor
        ex = refuse("duplicate-name", null, "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0);
        assertTrue(ex.getMessage().contains("__metadata__"), ex.getMessage());
    }

    @Test
    void metadataType() throws IOException {
        refuse("metadata-type", null, "{\"__metadata__\":\"x\"}", 0);
        refuse("metadata-type", null, "{\"__metadata__\":[\"a\",\"b\"]}", 0);
        ModelFormatException ex = refuse("metadata-type", null, "{\"__metadata__\":{\"a\":\"b\",\"n\":1}}", 0);
        assertTrue(ex.getMessage().contains("\"n\""), ex.getMessage());
        refuse("metadata-type", null, "{\"__metadata__\":{\"nested\":{}}}", 0);
    }

    @Test
    void entryNotObject() throws IOException {
        refuse("entry-not-object", "w", "{\"w\":[\"F32\",[1],[0,4]]}", 4);
        refuse("entry-not-object", "w", "{\"w\":null}", 0);
    }

    @Test
    void entryFields() throws IOException {
        ModelFormatException ex = refuse("entry-fields", "w", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        assertTrue(ex.getMessage().contains("dtype"), ex.getMessage());
        ex = refuse("entry-fields", "w", "{\"w\":{\"dtype\":\"F32\"}}", 4);
        assertTrue(ex.getMessage().contains("shape, data_offsets"), ex.getMessage());
        refuse("entry-fields", "w", "{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        refuse("entry-fields", "w", "{\"w\":{\"dtype\":null,\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        refuse("entry-fields", "w", "{\"w\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", 4);
        refuse("entry-fields", "w", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0-4\"}}", 4);
        refuse("entry-fields", "w", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"offsets\":[0,4]}}", 4);
    }

    @Test
    void unknownExtraKeysInAnEntryAreIgnored() throws IOException {
        try (SafetensorsFile f = open("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":[1,2]}}", 4)) {
            assertEquals(List.of("w"), f.names());
        }
    }

    @Test
    void unknownDtype() throws IOException {
        ModelFormatException ex = refuse("unknown-dtype", "w", "{\"w\":" + e("F4", "[2]", 0, 1) + "}", 1);
        assertTrue(ex.getMessage().contains("\"F4\""), ex.getMessage());
        refuse("unknown-dtype", "w", "{\"w\":" + e("float32", "[1]", 0, 4) + "}", 4);
        refuse("unknown-dtype", "w", "{\"w\":" + e("f32", "[1]", 0, 4) + "}", 4); // names are case-sensitive
        refuse("unknown-dtype", "w", "{\"w\":" + e("", "[1]", 0, 4) + "}", 4);
    }

    @Test
    void negativeOrNonIntegerDim() throws IOException {
        refuse("negative-dim", "w", "{\"w\":" + e("F32", "[-1]", 0, 4) + "}", 4);
        refuse("negative-dim", "w", "{\"w\":" + e("F32", "[2, -2]", 0, 16) + "}", 16);
        ModelFormatException ex = refuse("negative-dim", "w", "{\"w\":" + e("F32", "[1.5]", 0, 4) + "}", 4);
        assertTrue(ex.getMessage().contains("1.5"), ex.getMessage());
        refuse("negative-dim", "w", "{\"w\":" + e("F32", "[1.0]", 0, 4) + "}", 4);
        refuse("negative-dim", "w", "{\"w\":" + e("F32", "[\"1\"]", 0, 4) + "}", 4);
        refuse("negative-dim", "w", "{\"w\":" + e("F32", "[null]", 0, 4) + "}", 4);
        refuse("negative-dim", "w", "{\"w\":" + e("F32", "[-99999999999999999999]", 0, 4) + "}", 4);
    }

    @Test
    void sizeOverflow() throws IOException {
        refuse("size-overflow", "w", "{\"w\":" + e("F32", "[4294967296, 4294967296]", 0, 4) + "}", 4);
        // numel fits, numel × 8 does not
        refuse("size-overflow", "w", "{\"w\":" + e("F64", "[2305843009213693952]", 0, 8) + "}", 8);
        // a dim beyond 64 bits
        refuse("size-overflow", "w", "{\"w\":" + e("U8", "[18446744073709551616]", 0, 1) + "}", 1);
    }

    @Test
    void zeroDimDoesNotOverflow() throws IOException {
        try (SafetensorsFile f = open("{\"w\":" + e("F32", "[0, 4294967296, 4294967296]", 0, 0) + "}", 0)) {
            assertEquals(0, f.tensor("w").numel());
        }
    }

    @Test
    void offsetsInvalid() throws IOException {
        refuse("offsets-invalid", "w", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4);
        refuse("offsets-invalid", "w", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8);
        refuse("offsets-invalid", "w", "{\"w\":" + e("F32", "[1]", -4, 0) + "}", 4);
        ModelFormatException ex = refuse("offsets-invalid", "w", "{\"w\":" + e("F32", "[0]", 8, 4) + "}", 8);
        assertTrue(ex.getMessage().contains("[8, 4]"), ex.getMessage());
        refuse("offsets-invalid", "w", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4.0]}}", 4);
        refuse("offsets-invalid", "w", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",\"4\"]}}", 4);
    }

    @Test
    void sizeMismatch() throws IOException {
        ModelFormatException ex = refuse("size-mismatch", "w", "{\"w\":" + e("F32", "[2]", 0, 4) + "}", 4);
        assertTrue(ex.getMessage().contains("needs 8"), ex.getMessage());
        refuse("size-mismatch", "w", "{\"w\":" + e("BF16", "[2, 3]", 0, 24) + "}", 24);
        refuse("size-mismatch", "w", "{\"w\":" + e("F32", "[]", 0, 0) + "}", 0);
    }

    @Test
    void offsetsOutOfBounds() throws IOException {
        ModelFormatException ex = refuse("offsets-out-of-bounds", "w", "{\"w\":" + e("F32", "[2]", 0, 8) + "}", 4);
        assertTrue(ex.getMessage().contains("4 bytes"), ex.getMessage());
        refuse("offsets-out-of-bounds", "b", "{\"a\":" + e("F32", "[1]", 0, 4) + ",\"b\":" + e("F32", "[1]", 4, 8) + "}", 6);
        refuse("offsets-out-of-bounds", "w", "{\"w\":{\"dtype\":\"U8\",\"shape\":[0],"
                + "\"data_offsets\":[18446744073709551616,18446744073709551616]}}", 0);
    }

    @Test
    void offsetsOverlap() throws IOException {
        ModelFormatException ex = refuse("offsets-overlap", "b",
                "{\"a\":" + e("F32", "[2]", 0, 8) + ",\"b\":" + e("F32", "[2]", 4, 12) + "}", 12);
        assertTrue(ex.getMessage().contains("'a'"), ex.getMessage());
        // two tensors sharing the same bytes
        refuse("offsets-overlap", "b", "{\"b\":" + e("F32", "[1]", 0, 4) + ",\"a\":" + e("I32", "[1]", 0, 4) + "}", 4);
        // a zero-size tensor inside another one's bytes
        refuse("offsets-overlap", "z", "{\"a\":" + e("F32", "[2]", 0, 8) + ",\"z\":" + e("F32", "[0]", 4, 4) + "}", 8);
    }

    @Test
    void offsetsGap() throws IOException {
        ModelFormatException ex = refuse("offsets-gap", "a", "{\"a\":" + e("F32", "[1]", 4, 8) + "}", 8);
        assertTrue(ex.getMessage().contains("not 0"), ex.getMessage());
        ex = refuse("offsets-gap", "b", "{\"a\":" + e("F32", "[1]", 0, 4) + ",\"b\":" + e("F32", "[1]", 8, 12) + "}", 12);
        assertTrue(ex.getMessage().contains("[4, 8)"), ex.getMessage());
        // a zero-size tensor alone still has to start at 0
        refuse("offsets-gap", "z", "{\"z\":" + e("F32", "[0]", 4, 4) + "}", 4);
    }

    @Test
    void trailingBytes() throws IOException {
        ModelFormatException ex = refuse("trailing-bytes", null, "{\"a\":" + e("F32", "[1]", 0, 4) + "}", 6);
        assertTrue(ex.getMessage().contains("2 trailing bytes"), ex.getMessage());
        refuse("trailing-bytes", null, "{}", 1);
        refuse("trailing-bytes", null, "{\"__metadata__\":{}}", 3);
    }

    // ---------------------------------------------------------------- valid files

    @Test
    void rankZeroTensor() throws IOException {
        byte[] h = ("{\"s\":" + e("F32", "[]", 0, 4) + "}").getBytes(StandardCharsets.UTF_8);
        byte[] d = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f).array();
        try (SafetensorsFile f = SafetensorsFile.open(put("s.safetensors", raw(h.length, h, d)))) {
            Tensor s = f.tensor("s");
            assertEquals(0, s.rank());
            assertEquals(1, s.numel());
            assertEquals(2.5f, s.getFloat(0));
        }
    }

    @Test
    void zeroSizeTensors() throws IOException {
        String header = "{\"a\":" + e("U8", "[2]", 0, 2) + ",\"z\":" + e("F32", "[0, 3]", 2, 2)
                + ",\"b\":" + e("U8", "[1]", 2, 3) + ",\"y\":" + e("I64", "[4, 0]", 3, 3) + "}";
        try (SafetensorsFile f = open(header, 3)) {
            assertArrayEquals(new long[]{0, 3}, f.tensor("z").shape());
            assertEquals(0, f.tensor("z").byteSize());
            assertEquals(0, f.tensor("y").byteSize());
            assertEquals(2, f.tensor("b").getLong(0));
            assertEquals(List.of("a", "z", "b", "y"), f.names());
        }
        // a file of zero-size tensors only, with an empty data block
        try (SafetensorsFile f = open("{\"z\":" + e("F32", "[0]", 0, 0) + "}", 0)) {
            assertEquals(0, f.tensor("z").numel());
            assertEquals(f.fileSize(), f.dataOffset());
        }
    }

    @Test
    void namesFollowDataOrder() throws IOException {
        String header = "{\"a\":" + e("U8", "[1]", 2, 3) + ",\"b\":" + e("U8", "[2]", 0, 2)
                + ",\"z\":" + e("U8", "[0]", 2, 2) + ",\"c\":" + e("U8", "[0]", 2, 2) + "}";
        try (SafetensorsFile f = open(header, 3)) {
            // by begin offset, then end, then name
            assertEquals(List.of("b", "c", "z", "a"), f.names());
            assertEquals(f.names(), List.copyOf(f.tensors().keySet()));
            assertEquals(2, f.tensor("a").getLong(0));
            assertEquals(1, f.tensor("b").getLong(1));
        }
    }

    @Test
    void emptyFile() throws IOException {
        try (SafetensorsFile f = open("{}      ", 0)) {
            assertTrue(f.names().isEmpty());
            assertTrue(f.tensors().isEmpty());
            assertTrue(f.metadata().isEmpty());
            assertEquals(8, f.headerSize());
            assertEquals(16, f.fileSize());
        }
    }

    @Test
    void headerWhitespaceIsAllowed() throws IOException {
        try (SafetensorsFile f = open("\n { \"w\" : " + e("F32", "[1]", 0, 4) + " }\n\t      ", 4)) {
            assertTrue(f.contains("w"));
        }
    }

    @Test
    void metadata() throws IOException {
        try (SafetensorsFile f = open("{\"__metadata__\":{\"format\":\"pt\",\"é\":\"ü ✓\"},\"w\":" + e("U8", "[1]", 0, 1) + "}", 1)) {
            assertEquals(Map.of("format", "pt", "é", "ü ✓"), f.metadata());
            assertEquals(List.of("format", "é"), List.copyOf(f.metadata().keySet()));
            assertFalse(f.contains("__metadata__"));
            assertEquals(List.of("w"), f.names());
        }
        try (SafetensorsFile f = open("{\"__metadata__\":null}", 0)) {
            assertTrue(f.metadata().isEmpty());
        }
        try (SafetensorsFile f = open("{\"w\":" + e("U8", "[1]", 0, 1) + "}", 1)) {
            assertTrue(f.metadata().isEmpty());
        }
    }

    @Test
    void missingTensor() throws IOException {
        try (SafetensorsFile f = open("{\"w\":" + e("U8", "[1]", 0, 1) + "}", 1)) {
            assertFalse(f.contains("nope"));
            ModelFormatException ex = assertThrows(ModelFormatException.class, () -> f.tensor("nope"));
            assertEquals("missing-tensor", ex.rule());
            assertEquals("nope", ex.tensor());
            assertTrue(ex.getMessage().contains("ok.safetensors"), ex.getMessage());
            assertTrue(ex.getMessage().contains("'nope'"), ex.getMessage());
            assertTrue(ex.getMessage().contains(": w"), ex.getMessage());
        }
    }

    @Test
    void readingAfterCloseIsAClearError() throws IOException {
        SafetensorsFile f = open("{\"w\":" + e("F32", "[1]", 0, 4) + "}", 4);
        Tensor w = f.tensor("w");
        assertTrue(w.isAlive());
        w.getFloat(0);
        f.close();
        assertFalse(f.isOpen());
        assertFalse(w.isAlive());
        IllegalStateException ex = assertThrows(IllegalStateException.class, () -> w.getFloat(0));
        assertTrue(ex.getMessage().contains("closed"), ex.getMessage());
        assertThrows(IllegalStateException.class, w::segment);
        assertThrows(IllegalStateException.class, w::toFloatArray);
        IllegalStateException ex2 = assertThrows(IllegalStateException.class, () -> f.tensor("w"));
        assertTrue(ex2.getMessage().contains("ok.safetensors"), ex2.getMessage());
        assertThrows(IllegalStateException.class, f::tensors);
        assertEquals(List.of("w"), f.names()); // names and metadata stay readable
        f.close(); // idempotent
    }

    @Test
    void missingFileIsAnIoError() {
        Path p = dir.resolve("absent.safetensors");
        UncheckedIOException ex = assertThrows(UncheckedIOException.class, () -> SafetensorsFile.open(p));
        assertTrue(ex.getMessage().contains("absent.safetensors"), ex.getMessage());
    }

    @Test
    void manyTensorsOpenFastAsZeroCopyViews() throws IOException {
        Map<String, Tensor> ts = new LinkedHashMap<>();
        for (int i = 0; i < 500; i++) {
            float[] v = new float[16];
            for (int j = 0; j < v.length; j++) v[j] = i * 100 + j;
            ts.put(String.format("layer.%03d.weight", i), Tensor.ofFloats(v, 4, 4));
        }
        Path p = dir.resolve("many.safetensors");
        SafetensorsWriter.write(p, ts, Map.of());

        long t0 = System.nanoTime();
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 2_000, "opening 500 tensors took " + ms + " ms");
            assertEquals(500, f.names().size());
            long expectedAddress = f.tensor("layer.000.weight").segment().address();
            for (int i = 0; i < 500; i++) {
                Tensor t = f.tensor(String.format("layer.%03d.weight", i));
                assertTrue(t.segment().isMapped(), "not a view of the mapping");
                assertTrue(t.segment().isReadOnly());
                assertTrue(t.segment().heapBase().isEmpty());
                // consecutive views of one mapping: no copies
                assertEquals(expectedAddress, t.segment().address());
                expectedAddress += t.byteSize();
                assertEquals(i * 100 + 5, t.getFloat(5));
            }
            assertEquals(f.fileSize() - f.dataOffset(), 500L * 64);
            // the same view every time
            assertTrue(f.tensor("layer.007.weight") == f.tensor("layer.007.weight"));
        }
    }

    @Test
    void allDtypesAreRecognised() throws IOException {
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (DType t : DType.values()) {
            if (off > 0) h.append(',');
            h.append('"').append(t.name()).append("\":").append(e(t.name(), "[3]", off, off + 3L * t.byteSize()));
            off += 3L * t.byteSize();
        }
        try (SafetensorsFile f = open(h.append('}').toString(), (int) off)) {
            for (DType t : DType.values()) {
                assertEquals(t, f.tensor(t.name()).dtype());
            }
        }
        assertNull(DType.fromName("F4"));
    }
}
