package dev.isthmus.formats.safetensors;

import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    /** A tensor of {@code dtype} whose byte k is {@code seed + 7k}. */
    static Tensor patterned(DType dtype, Arena arena, int seed, long... shape) {
        Tensor t = Tensor.allocate(dtype, shape, arena);
        MemorySegment s = t.segment();
        for (long k = 0; k < s.byteSize(); k++) s.set(ValueLayout.JAVA_BYTE, k, (byte) (seed + 7 * k));
        return t;
    }

    static byte[] bytes(Tensor t) {
        return t.segment().toArray(ValueLayout.JAVA_BYTE);
    }

    /** The header length prefix and the JSON header of a file. */
    static long headerLength(Path p) throws IOException {
        byte[] all = Files.readAllBytes(p);
        return ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static String headerText(Path p) throws IOException {
        byte[] all = Files.readAllBytes(p);
        return new String(all, 8, (int) headerLength(p), StandardCharsets.UTF_8);
    }

    @Test
    void roundTripsEveryDtype() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            int seed = 1;
            for (DType t : DType.values()) {
                in.put("t_" + t.name().toLowerCase(), patterned(t, arena, seed++, 2, 3));
            }
            Path p = dir.resolve("all.safetensors");
            SafetensorsWriter.write(p, in, Map.of());
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(in.keySet().stream().sorted().toList(), f.names());
                for (Map.Entry<String, Tensor> e : in.entrySet()) {
                    Tensor out = f.tensor(e.getKey());
                    assertEquals(e.getValue().dtype(), out.dtype());
                    assertArrayEquals(new long[]{2, 3}, out.shape());
                    assertArrayEquals(bytes(e.getValue()), bytes(out), e.getKey());
                }
                assertTrue(f.metadata().isEmpty());
            }
        }
    }

    @Test
    void roundTripsRankZeroZeroSizeAndHeapTensors() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("scalar", Tensor.ofFloats(new float[]{3.25f}));
        in.put("empty", Tensor.ofFloats(new float[0], 0, 5));
        in.put("empty_scalar_batch", Tensor.ofLongs(new long[0], 3, 0));
        in.put("ids", Tensor.ofLongs(new long[]{-1, Long.MAX_VALUE, 42}, 3));
        in.put("ints", Tensor.ofInts(new int[]{1, -2, 3, -4}, 2, 1, 2));
        in.put("rank4", Tensor.ofFloats(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, 1, 2, 2, 2));
        Path p = dir.resolve("shapes.safetensors");
        SafetensorsWriter.write(p, in);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(0, f.tensor("scalar").rank());
            assertEquals(3.25f, f.tensor("scalar").getFloat(0));
            assertArrayEquals(new long[]{0, 5}, f.tensor("empty").shape());
            assertArrayEquals(new long[]{3, 0}, f.tensor("empty_scalar_batch").shape());
            assertEquals(DType.I64, f.tensor("empty_scalar_batch").dtype());
            assertArrayEquals(new long[]{-1, Long.MAX_VALUE, 42}, f.tensor("ids").toLongArray());
            assertArrayEquals(new long[]{1, -2, 3, -4}, f.tensor("ints").toLongArray());
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6, 7, 8}, f.tensor("rank4").toFloatArray());
            assertArrayEquals(new long[]{1, 2, 2, 2}, f.tensor("rank4").shape());
        }
    }

    @Test
    void metadataWithUnicodeRoundTripsAndComesFirst() throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("zeta", "last");
        meta.put("名前", "模型 ✓");
        meta.put("emoji", "😀 \u0000 \"quoted\" back\\slash\nnewline\ttab");
        meta.put("", "");
        Path p = dir.resolve("meta.safetensors");
        SafetensorsWriter.write(p, Map.of("w", Tensor.ofFloats(new float[]{1, 2}, 2)), meta);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(meta, f.metadata());
            // sorted by code point
            assertEquals(List.of("", "emoji", "zeta", "名前"), List.copyOf(f.metadata().keySet()));
        }
        String header = headerText(p);
        assertTrue(header.startsWith("{\"__metadata__\":{"), header);
        assertEquals("__metadata__", Json.parseObject(header).keySet().iterator().next());
    }

    @Test
    void noMetadataKeyWhenThereIsNoMetadata() throws IOException {
        Path p = dir.resolve("m.safetensors");
        SafetensorsWriter.write(p, Map.of("w", Tensor.ofFloats(new float[]{1}, 1)), Map.of());
        assertFalse(headerText(p).contains("__metadata__"));
        SafetensorsWriter.write(p, Map.of("w", Tensor.ofFloats(new float[]{1}, 1)), null);
        assertFalse(headerText(p).contains("__metadata__"));
    }

    @Test
    void headerIsPaddedToAMultipleOf8() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            for (int len = 1; len <= 17; len++) {
                Path p = dir.resolve("pad" + len + ".safetensors");
                Map<String, String> meta = len % 2 == 0 ? Map.of("k", "v".repeat(len)) : Map.of();
                SafetensorsWriter.write(p, Map.of("n".repeat(len), patterned(DType.U8, arena, len, 3)), meta);
                long n = headerLength(p);
                assertEquals(0, n % 8, "header length " + n);
                String header = headerText(p);
                String json = header.stripTrailing();
                assertTrue(json.startsWith("{") && json.endsWith("}"), header);
                assertEquals(" ".repeat(header.length() - json.length()), header.substring(json.length()),
                        "only trailing spaces pad");
                assertTrue(header.length() - json.length() < 8);
                try (SafetensorsFile f = SafetensorsFile.open(p)) {
                    assertEquals(n, f.headerSize());
                    assertEquals(0, f.dataOffset() % 8);
                }
            }
        }
    }

    @Test
    void entriesAndDataAreInSortedNameOrderAndContiguous() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("😀", Tensor.ofFloats(new float[]{4}, 1));      // U+1F600: a surrogate pair in UTF-16
        in.put("\uFFFD", Tensor.ofFloats(new float[]{3}, 1)); // U+FFFD: sorts before U+1F600 by code point
        in.put("b", Tensor.ofInts(new int[]{2, 2}, 2));
        in.put("a", Tensor.ofLongs(new long[]{1}, 1));
        in.put("B", Tensor.ofFloats(new float[0], 0));
        Path p = dir.resolve("order.safetensors");
        SafetensorsWriter.write(p, in, Map.of());

        Map<String, Object> header = Json.parseObject(headerText(p));
        assertEquals(List.of("B", "a", "b", "\uFFFD", "😀"), List.copyOf(header.keySet()));
        long expectedBegin = 0;
        List<Long> begins = new ArrayList<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> entry = (Map<String, Object>) e.getValue();
            assertEquals(List.of("dtype", "shape", "data_offsets"), List.copyOf(entry.keySet()));
            assertEquals(in.get(e.getKey()).dtype().name(), entry.get("dtype"));
            List<?> off = (List<?>) entry.get("data_offsets");
            assertEquals(expectedBegin, off.get(0));
            begins.add((Long) off.get(0));
            expectedBegin = (Long) off.get(1);
        }
        assertEquals(List.of(0L, 0L, 8L, 16L, 20L), begins);
        assertEquals(8 + headerLength(p) + expectedBegin, Files.size(p));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("B", "a", "b", "\uFFFD", "😀"), f.names());
        }
    }

    @Test
    void exactBytesOfASmallFile() throws IOException {
        Path p = dir.resolve("exact.safetensors");
        SafetensorsWriter.write(p, Map.of("x", Tensor.ofFloats(new float[]{1f}, 1)), Map.of());
        String json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        int padded = (json.length() + 7) / 8 * 8;
        ByteBuffer expected = ByteBuffer.allocate(8 + padded + 4).order(ByteOrder.LITTLE_ENDIAN);
        expected.putLong(padded).put(json.getBytes(StandardCharsets.UTF_8));
        while (expected.position() < 8 + padded) expected.put((byte) ' ');
        expected.putFloat(1f);
        assertArrayEquals(expected.array(), Files.readAllBytes(p));
    }

    @Test
    void replacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("model.safetensors");
        SafetensorsWriter.write(p, Map.of("w", Tensor.ofFloats(new float[]{1, 2}, 2)), Map.of());
        try (SafetensorsFile old = SafetensorsFile.open(p)) {
            Tensor w = old.tensor("w");
            SafetensorsWriter.write(p, Map.of("w", Tensor.ofFloats(new float[]{7, 8, 9}, 3)), Map.of());
            // the mapped old file is untouched: the new one replaced it, not overwrote it
            assertArrayEquals(new float[]{1, 2}, w.toFloatArray());
            try (SafetensorsFile now = SafetensorsFile.open(p)) {
                assertArrayEquals(new float[]{7, 8, 9}, now.tensor("w").toFloatArray());
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    @Test
    void copiesTensorsFromAMappedFile() throws IOException {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsWriter.write(a, Map.of("x", patterned(DType.BF16, arena, 3, 4, 4),
                    "y", patterned(DType.I8, arena, 9, 5)), Map.of("k", "v"));
        }
        try (SafetensorsFile fa = SafetensorsFile.open(a)) {
            SafetensorsWriter.write(b, fa.tensors(), fa.metadata());
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void refusesBadInput() {
        Path p = dir.resolve("bad.safetensors");
        Tensor w = Tensor.ofFloats(new float[]{1}, 1);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(p, Map.of("__metadata__", w), Map.of()));
        assertTrue(ex.getMessage().contains("reserved"), ex.getMessage());
        Map<String, Tensor> nullTensor = new LinkedHashMap<>();
        nullTensor.put("w", null);
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(p, nullTensor, Map.of()));
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(p, Map.of("w", w), nullValue));
        Tensor dead;
        try (Arena arena = Arena.ofConfined()) {
            dead = Tensor.allocate(DType.F32, new long[]{1}, arena);
        }
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(p, Map.of("w", dead), Map.of()));
        assertFalse(Files.exists(p));
    }

    @Test
    void emptyFileRoundTrips() throws IOException {
        Path p = dir.resolve("empty.safetensors");
        SafetensorsWriter.write(p, Map.of(), Map.of());
        assertEquals(16, Files.size(p));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertTrue(f.names().isEmpty());
        }
    }
}
