package dev.isthmus.formats.npy;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------- helpers

    static Path resource(String name) {
        try {
            var url = NpyTest.class.getResource("/npy/" + name);
            assertNotNull(url, "missing test resource npy/" + name);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** An npy file laid out as numpy writes it: header padded with spaces and '\n' to a multiple of 64 bytes. */
    static byte[] npy(int major, String dict, byte[] data) {
        byte[] text = dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        int total = (prefix + text.length + 1 + 63) / 64 * 64;
        ByteBuffer b = ByteBuffer.allocate(total + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) b.putShort((short) (total - prefix));
        else b.putInt(total - prefix);
        b.put(text);
        while (b.position() < total - 1) b.put((byte) ' ');
        b.put((byte) '\n').put(data);
        return b.array();
    }

    static String dict(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    Path put(byte[] content) throws IOException {
        Path p = dir.resolve("bad.npy");
        Files.write(p, content);
        return p;
    }

    static ModelFormatException refuse(String rule, Path p) {
        ModelFormatException ex = assertThrows(ModelFormatException.class, () -> Npy.read(p, null));
        assertEquals(rule, ex.rule(), ex.getMessage());
        assertEquals(p.toString(), ex.file());
        assertTrue(ex.getMessage().contains(p.getFileName().toString()), ex.getMessage());
        assertEquals(null, ex.tensor());
        return ex;
    }

    ModelFormatException refuse(String rule, byte[] content) throws IOException {
        return refuse(rule, put(content));
    }

    /** A tensor of {@code dtype} whose byte k is {@code 3 + 5k} (BOOL: 0/1). */
    static Tensor patterned(DType dtype, Arena arena, long... shape) {
        Tensor t = Tensor.allocate(dtype, shape, arena);
        MemorySegment s = t.segment();
        for (long k = 0; k < s.byteSize(); k++) {
            s.set(ValueLayout.JAVA_BYTE, k, dtype == DType.BOOL ? (byte) (k % 3 == 0 ? 1 : 0) : (byte) (3 + 5 * k));
        }
        return t;
    }

    static byte[] bytes(Tensor t) {
        return t.segment().toArray(ValueLayout.JAVA_BYTE);
    }

    // ---------------------------------------------------------------- round trips

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32", "F16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL"})
    void roundTripsRanks0To4(DType dtype) throws IOException {
        long[][] shapes = {{}, {5}, {2, 3}, {2, 1, 3}, {1, 2, 3, 2}, {0}, {2, 0, 3}};
        try (Arena arena = Arena.ofConfined()) {
            for (long[] shape : shapes) {
                Tensor in = patterned(dtype, arena, shape);
                Path p = dir.resolve(dtype + "_" + Shape.toCompact(shape) + ".npy");
                Npy.write(p, in);

                byte[] file = Files.readAllBytes(p);
                int headerLen = Short.toUnsignedInt(ByteBuffer.wrap(file, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort());
                assertEquals(1, file[6], "version 1.0");
                assertEquals(0, (10 + headerLen) % 64, "data starts at a multiple of 64");
                assertEquals('\n', file[10 + headerLen - 1]);
                assertEquals(10 + headerLen + in.byteSize(), file.length);

                Tensor heap = Npy.read(p, null);
                assertEquals(dtype, heap.dtype());
                assertArrayEquals(shape, heap.shape());
                assertArrayEquals(bytes(in), bytes(heap));
                Tensor native_ = Npy.read(p, arena);
                assertTrue(native_.segment().isNative());
                assertArrayEquals(shape, native_.shape());
                assertArrayEquals(bytes(in), bytes(native_));
            }
        }
    }

    @Test
    void heapF32IsBackedByAFloatArray() throws IOException {
        Path p = dir.resolve("f.npy");
        Npy.write(p, Tensor.ofFloats(new float[]{1.5f, -2f, 3f, 0f, 7f, 8f}, 2, 3));
        Tensor t = Npy.read(p, null);
        assertArrayEquals(new float[]{1.5f, -2f, 3f, 0f, 7f, 8f}, t.heapFloats());
    }

    @Test
    void writesTheHeaderNumpyExpects() throws IOException {
        Path p = dir.resolve("h.npy");
        Npy.write(p, Tensor.ofFloats(new float[]{1, 2, 3}, 3));
        byte[] file = Files.readAllBytes(p);
        int headerLen = Short.toUnsignedInt(ByteBuffer.wrap(file, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort());
        String header = new String(file, 10, headerLen, StandardCharsets.ISO_8859_1);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", header.strip());
        assertTrue(header.endsWith(" \n"), header);
        assertArrayEquals(npy(1, dict("<f4", "(3,)"), Arrays.copyOfRange(file, 10 + headerLen, file.length)), file);
        Npy.write(p, Tensor.ofFloats(new float[]{1}));
        assertTrue(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains("'shape': (), }"));
    }

    @Test
    void boolsAreWrittenAsZeroOrOne() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Tensor b = Tensor.allocate(DType.BOOL, new long[]{3}, arena);
            b.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
            b.segment().set(ValueLayout.JAVA_BYTE, 2, (byte) 1);
            Path p = dir.resolve("b.npy");
            Npy.write(p, b);
            assertArrayEquals(new byte[]{1, 0, 1}, bytes(Npy.read(p, null)));
        }
    }

    @Test
    void hugeHeadersUseVersion2() throws IOException {
        long[] shape = new long[22_000];
        Arrays.fill(shape, 1);
        Path p = dir.resolve("v2.npy");
        Npy.write(p, Tensor.ofFloats(new float[]{4.5f}, shape));
        byte[] file = Files.readAllBytes(p);
        assertEquals(2, file[6]);
        long headerLen = Integer.toUnsignedLong(ByteBuffer.wrap(file, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
        assertTrue(headerLen > 65535);
        assertEquals(0, (12 + headerLen) % 64);
        Tensor t = Npy.read(p, null);
        assertEquals(22_000, t.rank());
        assertEquals(4.5f, t.getFloat(0));
    }

    @Test
    void refusesDtypesWithoutAnNpyEquivalent() {
        Path p = dir.resolve("x.npy");
        try (Arena arena = Arena.ofConfined()) {
            for (DType t : new DType[]{DType.BF16, DType.F8_E4M3, DType.F8_E5M2}) {
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                        () -> Npy.write(p, Tensor.allocate(t, new long[]{2}, arena)));
                assertTrue(ex.getMessage().contains(t.name()) && ex.getMessage().contains("toF32"), ex.getMessage());
            }
        }
        assertFalse(Files.exists(p));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- files written by numpy

    /** Element i of the fixtures, as generate.py computes it. */
    static double expected(DType t, long i) {
        return switch (t) {
            case F64, F32, F16 -> i * 0.5 - 1;
            case I64, I32, I16, I8 -> i * 3 - 7;
            case BOOL -> i % 3 == 0 ? 1 : 0;
            default -> i * 3;
        };
    }

    @Test
    void readsFilesWrittenByNumpy() {
        Map<String, Object[]> fixtures = Map.ofEntries(
                Map.entry("f4_2x3.npy", new Object[]{DType.F32, new long[]{2, 3}}),
                Map.entry("f4_2x3_v2.npy", new Object[]{DType.F32, new long[]{2, 3}}),
                Map.entry("f4_2x3_v3.npy", new Object[]{DType.F32, new long[]{2, 3}}),
                Map.entry("f8_scalar.npy", new Object[]{DType.F64, new long[]{}}),
                Map.entry("f2_4.npy", new Object[]{DType.F16, new long[]{4}}),
                Map.entry("i4_5.npy", new Object[]{DType.I32, new long[]{5}}),
                Map.entry("i8_2x2x2.npy", new Object[]{DType.I64, new long[]{2, 2, 2}}),
                Map.entry("i1_3.npy", new Object[]{DType.I8, new long[]{3}}),
                Map.entry("i2_3.npy", new Object[]{DType.I16, new long[]{3}}),
                Map.entry("u1_2x1x2x2.npy", new Object[]{DType.U8, new long[]{2, 1, 2, 2}}),
                Map.entry("u2_3.npy", new Object[]{DType.U16, new long[]{3}}),
                Map.entry("u4_3.npy", new Object[]{DType.U32, new long[]{3}}),
                Map.entry("u8_3.npy", new Object[]{DType.U64, new long[]{3}}),
                Map.entry("b1_2x3.npy", new Object[]{DType.BOOL, new long[]{2, 3}}),
                Map.entry("f4_0x3.npy", new Object[]{DType.F32, new long[]{0, 3}}));
        try (Arena arena = Arena.ofConfined()) {
            for (Map.Entry<String, Object[]> f : fixtures.entrySet()) {
                DType dtype = (DType) f.getValue()[0];
                long[] shape = (long[]) f.getValue()[1];
                for (Tensor t : new Tensor[]{Npy.read(resource(f.getKey()), null), Npy.read(resource(f.getKey()), arena)}) {
                    assertEquals(dtype, t.dtype(), f.getKey());
                    assertArrayEquals(shape, t.shape(), f.getKey());
                    for (long i = 0; i < t.numel(); i++) {
                        double want = expected(dtype, i);
                        if (dtype.isFloating()) assertEquals((float) want, t.getFloat(i), f.getKey() + "[" + i + "]");
                        else assertEquals((long) want, t.getLong(i), f.getKey() + "[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void rewritingANumpyFileKeepsItsData() throws IOException {
        Tensor t = Npy.read(resource("i8_2x2x2.npy"), null);
        Path p = dir.resolve("copy.npy");
        Npy.write(p, t);
        byte[] ours = Files.readAllBytes(p);
        byte[] theirs = Files.readAllBytes(resource("i8_2x2x2.npy"));
        assertArrayEquals(Arrays.copyOfRange(theirs, theirs.length - 64, theirs.length),
                Arrays.copyOfRange(ours, ours.length - 64, ours.length));
    }

    // ---------------------------------------------------------------- refusals

    @Test
    void refusesFortranOrder() {
        ModelFormatException ex = refuse("npy-fortran-order", resource("refuse_fortran.npy"));
        assertTrue(ex.getMessage().contains("Fortran-order arrays are not supported; save with np.ascontiguousarray"),
                ex.getMessage());
    }

    @Test
    void acceptsFortranOrderWhenItEqualsCOrder() throws IOException {
        byte[] data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3).array();
        Path p = put(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 1), }", data));
        assertArrayEquals(new float[]{1, 2, 3}, Npy.read(p, null).toFloatArray());
    }

    @Test
    void refusesBigEndian() throws IOException {
        ModelFormatException ex = refuse("npy-byte-order", resource("refuse_big_endian.npy"));
        assertTrue(ex.getMessage().contains("'>f4'"), ex.getMessage());
        assertTrue(ex.getMessage().contains("big-endian"), ex.getMessage());
        refuse("npy-byte-order", npy(1, dict("=i4", "(1,)"), new byte[4]));
        // byte order does not matter for single bytes
        assertEquals(DType.U8, Npy.read(put(npy(1, dict(">u1", "(2,)"), new byte[2])), null).dtype());
    }

    @Test
    void refusesObjectAndStructuredDtypes() throws IOException {
        ModelFormatException ex = refuse("npy-dtype", resource("refuse_object.npy"));
        assertTrue(ex.getMessage().contains("object arrays"), ex.getMessage());
        ex = refuse("npy-dtype", resource("refuse_structured.npy"));
        assertTrue(ex.getMessage().contains("structured"), ex.getMessage());
        for (String descr : new String[]{"<c8", "<U3", "|S4", "<M8[s]", "|V2", "<f16", "|f4", "f4", ""}) {
            refuse("npy-dtype", npy(1, dict(descr, "(1,)"), new byte[4]));
        }
    }

    @Test
    void refusesNonNpyFiles() throws IOException {
        refuse("npy-magic", new byte[5]);
        refuse("npy-magic", "PK\u0003\u0004 this is a zip file, like .npz".getBytes(StandardCharsets.ISO_8859_1));
        byte[] good = npy(1, dict("<f4", "(1,)"), new byte[4]);
        good[1] = 'n';
        refuse("npy-magic", good);
    }

    @Test
    void refusesUnknownVersions() throws IOException {
        byte[] f = npy(1, dict("<f4", "(1,)"), new byte[4]);
        f[6] = 4;
        ModelFormatException ex = refuse("npy-version", f);
        assertTrue(ex.getMessage().contains("4.0"), ex.getMessage());
        f[6] = 1;
        f[7] = 1;
        refuse("npy-version", f);
    }

    @Test
    void refusesMalformedHeaders() throws IOException {
        // header length beyond the file
        byte[] f = npy(1, dict("<f4", "(1,)"), new byte[0]);
        refuse("npy-header", Arrays.copyOf(f, 40));
        refuse("npy-header", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", new byte[4]));
        refuse("npy-header", npy(1, "{'descr': '<f4', 'fortran_order': False}", new byte[4]));
        refuse("npy-header", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", new byte[4]));
        refuse("npy-header", npy(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", new byte[4]));
        refuse("npy-header", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", new byte[4]));
        refuse("npy-header", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1)}", new byte[4]));
        refuse("npy-header", npy(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", new byte[4]));
        refuse("npy-header", npy(1, "{'descr': 4, 'fortran_order': False, 'shape': (1,)}", new byte[4]));
        // a million-digit dimension (a version 2 header may hold it): refused by its length, before it is parsed,
        // quoting a short prefix only
        ModelFormatException big = refuse("npy-header", npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (" + "9".repeat(1_000_000) + ",)}", new byte[4]));
        assertTrue(big.getMessage().contains("an integer of 1000000 digits") && big.getMessage().length() < 400, big.getMessage().length() + " characters");
        refuse("npy-header", npy(1, "('descr', '<f4')", new byte[4]));
        refuse("npy-header", npy(1, "{'descr': np.float32, 'fortran_order': False, 'shape': (1,)}", new byte[4]));
        // v3 headers are UTF-8
        byte[] v3 = npy(3, dict("<f4", "(1,)"), new byte[4]);
        v3[13] = (byte) 0xFF;
        refuse("npy-header", v3);
        // v2 cut inside its 4-byte length
        refuse("npy-header", Arrays.copyOf(npy(2, dict("<f4", "(1,)"), new byte[0]), 11));
    }

    @Test
    void refusesBadShapes() throws IOException {
        refuse("npy-shape", npy(1, dict("<f4", "(-1,)"), new byte[0]));
        refuse("npy-shape", npy(1, dict("<f4", "(2, None)"), new byte[0]));
        refuse("npy-shape", npy(1, dict("<f4", "('2',)"), new byte[0]));
        refuse("npy-shape", npy(1, dict("<f4", "(4294967296, 4294967296)"), new byte[0]));
        refuse("npy-shape", npy(1, dict("<f8", "(2305843009213693952,)"), new byte[0]));
        refuse("npy-shape", npy(1, dict("<f4", "(99999999999999999999,)"), new byte[0]));
    }

    @Test
    void refusesTruncatedData() throws IOException {
        byte[] real = Files.readAllBytes(resource("f4_2x3.npy"));
        ModelFormatException ex = refuse("npy-truncated", Arrays.copyOf(real, real.length - 1));
        assertTrue(ex.getMessage().contains("needs 24"), ex.getMessage());
        refuse("npy-truncated", npy(1, dict("<i8", "(2, 2)"), new byte[16]));
    }

    /** An npy file of {@code dataBytes} zero bytes of data after the header, sparse: it takes no room on disk. */
    Path sparse(String name, String dict, long dataBytes) throws IOException {
        byte[] header = npy(1, dict, new byte[0]);
        Path p = dir.resolve(name);
        Files.write(p, header);
        try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(header.length + dataBytes);
        }
        return p;
    }

    @Test
    void refusesArraysLargerThanTheHeapCanHoldSayingHowLarge() throws IOException {
        // 2^31 elements threw IllegalArgumentException advising "read it into an Arena" (a CLI user got "internal
        // error"), and an array larger than the heap ended the program with an OutOfMemoryError
        long n = 1L << 31;
        ModelFormatException ex = refuse("npy-too-large", sparse("elements.npy", dict("|u1", "(" + n + ",)"), n));
        assertTrue(ex.getMessage().contains("the array [2147483648] of U8 is 2147483648 bytes: 2147483648 elements, more than the "
                + Npy.MAX_HEAP_ELEMENTS + " an array in memory holds"), ex.getMessage());
        assertFalse(ex.getMessage().contains("Arena"), ex.getMessage());

        long maxHeap = Runtime.getRuntime().maxMemory();
        long doubles = maxHeap / 8 + 1;
        org.junit.jupiter.api.Assumptions.assumeTrue(doubles <= Npy.MAX_HEAP_ELEMENTS, "a heap under 16 GB");
        ex = refuse("npy-too-large", sparse("bytes.npy", dict("<f8", "(" + doubles + ",)"), doubles * 8));
        assertTrue(ex.getMessage().contains("is " + doubles * 8 + " bytes, more than the Java heap's maximum of " + maxHeap + " bytes"),
                ex.getMessage());
    }

    @Test
    void refusesTrailingBytes() throws IOException {
        byte[] real = Files.readAllBytes(resource("f4_2x3.npy"));
        refuse("npy-trailing-bytes", Arrays.copyOf(real, real.length + 1));
        // two arrays appended to one file
        byte[] two = Arrays.copyOf(real, real.length * 2);
        System.arraycopy(real, 0, two, real.length, real.length);
        refuse("npy-trailing-bytes", two);
    }

    @Test
    void readsHandWrittenVersionsAndHeaderStyles() throws IOException {
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(-6).array();
        for (int major = 1; major <= 3; major++) {
            assertArrayEquals(new long[]{5, -6}, Npy.read(put(npy(major, dict("<i4", "(2,)"), data)), null).toLongArray());
        }
        // numpy's growth padding, double quotes, an old-style long suffix, no trailing comma, other key order
        String[] dicts = {
                "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }                      ",
                "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (2L,)}",
                "{'shape': (2,), 'fortran_order': False, 'descr': '<i4'}",
                "{'descr':'<i4','fortran_order':False,'shape':(1,2)}",
        };
        for (String d : dicts) {
            Tensor t = Npy.read(put(npy(1, d, data)), null);
            assertEquals(2, t.numel(), d);
            assertEquals(-6, t.getLong(1), d);
        }
    }

    @Test
    void writesOnlyNewPathsAndRegularFiles() throws IOException {
        // a symbolic link is refused and left as it was, with its target; so is a FIFO (here standing for a device)
        Tensor t = Tensor.ofFloats(new float[]{1, 2, 3}, new long[]{3});
        Path target = Files.writeString(dir.resolve("target.txt"), "keep me");
        Path link = Files.createSymbolicLink(dir.resolve("link.npy"), target);
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class, () -> Npy.write(link, t));
        assertTrue(e.getMessage().contains("link.npy: not written: it is a symbolic link"), e.getMessage());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("keep me", Files.readString(target));
        Path sub = Files.createDirectory(dir.resolve("sub.npy"));
        assertThrows(java.io.UncheckedIOException.class, () -> Npy.write(sub, t));
        assertTrue(Files.isDirectory(sub));
        Path fifo = dir.resolve("fifo.npy");
        try {
            if (new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0) {
                java.io.UncheckedIOException f = assertThrows(java.io.UncheckedIOException.class, () -> Npy.write(fifo, t));
                assertTrue(f.getMessage().contains("a FIFO, socket or device"), f.getMessage());
                assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo));
            }
        } catch (IOException | InterruptedException noMkfifo) {
            // the link and directory cases still ran
        }
        // a regular file is replaced, a new path created
        Path regular = Files.writeString(dir.resolve("old.npy"), "old");
        Npy.write(regular, t);
        assertEquals(3, Npy.read(regular, null).numel());
        Npy.write(dir.resolve("new.npy"), t);
        assertEquals(3, Npy.read(dir.resolve("new.npy"), null).numel());
        try (java.util.stream.Stream<Path> left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left behind");
        }
    }

    @Test
    void missingFileIsAnIoError() {
        UncheckedIOException ex = assertThrows(UncheckedIOException.class, () -> Npy.read(dir.resolve("nope.npy"), null));
        assertTrue(ex.getMessage().contains("nope.npy") && ex.getMessage().endsWith("cannot read: no such file"), ex.getMessage());
    }

    // ---------------------------------------------------------------- the literal parser

    @Test
    void parsesPythonLiterals() {
        assertEquals(new Npy.Tuple(List.of()), new Npy.Literal("()").parseAll());
        assertEquals(new Npy.Tuple(List.of(3L)), new Npy.Literal("(3,)").parseAll());
        assertEquals(new Npy.Tuple(List.of(3L, 4L)), new Npy.Literal(" ( 3 , 4 ) \n").parseAll());
        assertEquals(3L, new Npy.Literal("(3)").parseAll());
        assertEquals(List.of(new Npy.Tuple(List.of("a", "<f4"))), new Npy.Literal("[('a', '<f4')]").parseAll());
        assertEquals(Boolean.TRUE, new Npy.Literal("True").parseAll());
        assertEquals("it's", new Npy.Literal("'it\\'s'").parseAll());
        assertEquals(Map.of("k", -12L), new Npy.Literal("{'k': -12,}").parseAll());
        assertInstanceOf(java.math.BigInteger.class, new Npy.Literal("123456789012345678901234").parseAll());
        assertEquals("(3,)", new Npy.Tuple(List.of(3L)).toString());
        for (String bad : new String[]{"", "{", "(3,", "'x", "true", "1.5", "{1: 2}", "(1,) 2", "{'a' 1}", "0x10"}) {
            assertThrows(IllegalArgumentException.class, () -> new Npy.Literal(bad).parseAll(), bad);
        }
    }
}
