package dev.isthmus.cli;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code isthmus inspect} on malformed safetensors files: exit 1 and one line naming the file and the rule. */
class InspectMalformedTest {
    @TempDir
    Path tmp;

    static byte[] file(String header, int dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] file(byte[] header, int dataBytes) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        b.writeBytes(header);
        b.writeBytes(new byte[dataBytes]);
        return b.toByteArray();
    }

    /** rule id → file bytes breaking it. */
    static Map<String, byte[]> malformed() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("file-too-small", new byte[]{1, 2, 3});
        m.put("header-too-large", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200_000_000L).array());
        m.put("header-out-of-bounds", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array());
        m.put("header-utf8", file(new byte[]{'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'}, 0));
        m.put("header-json", file("{\"a\": ", 0));
        m.put("header-not-object", file("[1, 2]  ", 0));
        m.put("duplicate-name", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        m.put("metadata-type", file("{\"__metadata__\":{\"k\":1}}", 0));
        m.put("unknown-dtype", file("{\"a\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        m.put("negative-dim", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4));
        m.put("size-overflow", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4));
        m.put("size-mismatch", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
        m.put("offsets-invalid", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4));
        m.put("offsets-out-of-bounds", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4));
        m.put("offsets-overlap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        m.put("offsets-gap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        m.put("trailing-bytes", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12));
        m.put("entry-fields", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 0));
        return m;
    }

    @TestFactory
    List<DynamicTest> eachMalformedFileIsOneLineAndExit1() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : malformed().entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                Path f = tmp.resolve(e.getKey() + ".safetensors");
                Files.write(f, e.getValue());
                CliRun r = CliRun.of("inspect", f.toString());
                assertEquals(1, r.code(), r.err());
                assertEquals(1, r.errLines().size(), "one line on stderr, got: " + r.err());
                String line = r.errLines().get(0);
                assertTrue(line.startsWith("isthmus: " + f), line);
                assertTrue(line.contains("[rule: " + e.getKey() + "]"), line);
                assertTrue(!line.contains("Exception"), line);
            }));
        }
        return tests;
    }

    @Test
    void aValidModelIsDescribedNodeByNode() {
        CliRun r = CliRun.of("inspect", "../examples/mnist/model.safetensors");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("conv1.weight  F32    [32, 1, 3, 3]"), r.out());
        assertTrue(r.out().contains("node 0 'conv1' (Conv2d) [1→32, kernel 3×3 + relu, max_pool2d(2)] -> [?, 32, 14, 14]"), r.out());
        assertTrue(r.out().contains("node 9 'fc2' (Linear) [128→10] -> [?, 10]"), r.out());
        assertTrue(r.out().contains("labels (10): 0, 1, 2"), r.out());
    }

    @Test
    void missingFileIsADataError() {
        CliRun r = CliRun.of("inspect", tmp.resolve("nope.safetensors").toString());
        assertEquals(1, r.code());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("no such file or directory"), r.err());
    }

    @Test
    void usageErrorsExit2WithOneLine() {
        CliRun r = CliRun.of("run", "--no-such-option");
        assertEquals(2, r.code());
        assertEquals(1, r.errLines().size(), r.err());
        CliRun r2 = CliRun.of("frobnicate");
        assertEquals(2, r2.code());
    }
}
