package dev.isthmus.formats.npy;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.RegularFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0).
 *
 * <p>Layout: the magic {@code \x93NUMPY}, a major and a minor version byte, the header length (u16 little-endian in
 * 1.0, u32 in 2.0 and 3.0), then the header: a Python dict literal such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }} padded with spaces and ending with a newline
 * (latin-1 in 1.0 and 2.0, UTF-8 in 3.0), then the raw elements.
 *
 * <p>Supported element types: {@code <f8 <f4 <f2 <i8 <i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1}, as {@link DType}
 * F64, F32, F16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL. Refused with a {@link ModelFormatException}
 * ({@code file, null, rule, detail}) naming the reason:
 * <ul>
 *   <li>{@code npy-magic}: not an npy file (too short or wrong magic);</li>
 *   <li>{@code npy-version}: a format version other than 1.0, 2.0, 3.0;</li>
 *   <li>{@code npy-header}: the header is cut off, badly encoded, not a dict literal, or lacks or adds keys;</li>
 *   <li>{@code npy-dtype}: object, structured, string, datetime, complex or other unsupported dtypes;</li>
 *   <li>{@code npy-byte-order}: big-endian ({@code >f4}) or native-order ({@code =f4}) multi-byte dtypes;</li>
 *   <li>{@code npy-fortran-order}: Fortran-order arrays, unless the layout equals C order (at most one dimension
 *       larger than 1);</li>
 *   <li>{@code npy-shape}: a dimension that is not a non-negative integer, or a size that overflows 64 bits;</li>
 *   <li>{@code npy-truncated}: fewer data bytes than the shape needs;</li>
 *   <li>{@code npy-trailing-bytes}: more data bytes than the shape needs (e.g. several arrays appended to one
 *       file, which {@code np.load} would silently read only the first of);</li>
 *   <li>{@code npy-too-large}: an array read onto the Java heap with more elements than a Java array holds, or more
 *       bytes than the heap can give it.</li>
 * </ul>
 * I/O failures are thrown as {@link UncheckedIOException}.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    private static final int CHUNK = 1 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Npy() {
    }

    // ---------------------------------------------------------------- reading

    /**
     * The most elements an array read onto the Java heap holds: the largest Java array (a few below
     * {@code Integer.MAX_VALUE}, as the JDK's own collections allow).
     */
    public static final long MAX_HEAP_ELEMENTS = Integer.MAX_VALUE - 8;

    /**
     * Reads the array in {@code path} into a new tensor allocated in {@code arena}, or on the Java heap (backed by an
     * array of the element type, e.g. {@code float[]} for F32) when {@code arena} is null. On the heap, an array of
     * more than {@link #MAX_HEAP_ELEMENTS} elements, or larger than the heap can hold, is refused (rule
     * {@code npy-too-large}) before any of it is read; an {@link Arena} holds arrays of any size the machine has room for.
     */
    public static Tensor read(Path path, Arena arena) {
        Objects.requireNonNull(path, "path");
        RegularFiles.require(path);
        try (Arena tmp = Arena.ofConfined(); FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parse(path.toString(), ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), tmp), arena);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot read: " + ModelLoader.describe(e), e);
        }
    }

    /**
     * Reads the array held in {@code bytes} (a whole {@code .npy} file, e.g. a row of a table of files) onto the Java
     * heap, with the checks and errors of {@link #read(Path, Arena)}; {@code source} names it in errors.
     */
    public static Tensor read(String source, byte[] bytes) {
        Objects.requireNonNull(source, "source");
        return parse(source, MemorySegment.ofArray(bytes), null);
    }

    private static Tensor parse(String source, MemorySegment file, Arena arena) {
        long size = file.byteSize();
        if (size < MAGIC.length + 4) {
            throw fail(source, "npy-magic", "file of " + size + " bytes is too short to be an npy file");
        }
        Header h = readHeader(source, file);
        long expected;
        try {
            expected = Math.multiplyExact(Shape.numel(h.shape), (long) h.dtype.byteSize());
        } catch (ArithmeticException e) {
            throw fail(source, "npy-shape", "shape " + Shape.toString(h.shape) + " overflows 64 bits");
        }
        long actual = size - h.dataStart;
        if (actual < expected) {
            throw fail(source, "npy-truncated", "the data is " + actual + " bytes but a " + h.descr + " array of shape "
                    + tupleString(h.shape) + " needs " + expected + " (the file is truncated)");
        }
        if (actual > expected) {
            throw fail(source, "npy-trailing-bytes", "the data is " + actual + " bytes but a " + h.descr
                    + " array of shape " + tupleString(h.shape) + " needs only " + expected
                    + " (extra bytes after the array)");
        }
        Tensor t = arena == null ? allocateHeap(source, h.dtype, h.shape, expected) : Tensor.allocate(h.dtype, h.shape, arena);
        MemorySegment.copy(file, h.dataStart, t.segment(), 0, expected);
        return t;
    }

    private record Header(String descr, DType dtype, long[] shape, long dataStart) {
    }

    private static Header readHeader(String path, MemorySegment file) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (file.get(ValueLayout.JAVA_BYTE, i) != MAGIC[i]) {
                throw fail(path, "npy-magic", "not an npy file: it does not start with \\x93NUMPY");
            }
        }
        int major = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, 6));
        int minor = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, 7));
        if (minor != 0 || major < 1 || major > 3) {
            throw fail(path, "npy-version", "npy format version " + major + "." + minor
                    + " is not supported (only 1.0, 2.0 and 3.0)");
        }
        long size = file.byteSize();
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(file.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
            prefix = 10;
        } else {
            if (size < 12) throw fail(path, "npy-header", "the file ends inside the header length");
            headerLen = Integer.toUnsignedLong(file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
            prefix = 12;
        }
        if (prefix + headerLen > size) {
            throw fail(path, "npy-header", "the header of " + headerLen + " bytes reaches past the end of the file ("
                    + size + " bytes)");
        }
        String text;
        try {
            ByteBuffer bytes = file.asSlice(prefix, headerLen).asByteBuffer();
            text = (major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw fail(path, "npy-header", "the version 3.0 header is not valid UTF-8");
        }

        Object parsed;
        try {
            parsed = new Literal(text).parseAll();
        } catch (IllegalArgumentException e) {
            throw fail(path, "npy-header", "the header is not a Python dict literal: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw fail(path, "npy-header", "the header is not a dict: " + text.strip());
        }
        if (!dict.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
            throw fail(path, "npy-header", "the header must have exactly the keys 'descr', 'fortran_order' and 'shape', "
                    + "found " + dict.keySet());
        }

        Object descrObj = dict.get("descr");
        if (descrObj instanceof List<?>) {
            throw fail(path, "npy-dtype", "structured dtypes (descr " + descrObj + ") are not supported");
        }
        if (!(descrObj instanceof String descr)) {
            throw fail(path, "npy-header", "'descr' must be a string, found " + descrObj);
        }
        DType dtype = dtypeOf(path, descr);

        if (!(dict.get("shape") instanceof Tuple(List<Object> dims))) {
            throw fail(path, "npy-header", "'shape' must be a tuple, found " + dict.get("shape"));
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            Object d = dims.get(i);
            if (d instanceof Long l && l >= 0) {
                shape[i] = l;
            } else if (d instanceof BigInteger b && b.signum() > 0) {
                throw fail(path, "npy-shape", "dimension " + i + " (" + b + ") does not fit in 64 bits");
            } else {
                throw fail(path, "npy-shape", "dimension " + i + " must be a non-negative integer, found " + d);
            }
        }

        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw fail(path, "npy-header", "'fortran_order' must be True or False, found " + dict.get("fortran_order"));
        }
        if (fortran) {
            int big = 0;
            for (long d : shape) if (d > 1) big++;
            if (big > 1) {
                throw fail(path, "npy-fortran-order", "Fortran-order arrays are not supported; save with "
                        + "np.ascontiguousarray (shape " + tupleString(shape) + ")");
            }
        }
        return new Header(descr, dtype, shape, prefix + headerLen);
    }

    private static DType dtypeOf(String path, String descr) {
        if (descr.length() < 2) throw fail(path, "npy-dtype", "unsupported dtype descr '" + descr + "'");
        char order = descr.charAt(0);
        String code = descr.substring(1);
        DType t = switch (code) {
            case "f8" -> DType.F64;
            case "f4" -> DType.F32;
            case "f2" -> DType.F16;
            case "i8" -> DType.I64;
            case "i4" -> DType.I32;
            case "i2" -> DType.I16;
            case "i1" -> DType.I8;
            case "u8" -> DType.U64;
            case "u4" -> DType.U32;
            case "u2" -> DType.U16;
            case "u1" -> DType.U8;
            case "b1" -> DType.BOOL;
            default -> null;
        };
        if (t == null || (order != '<' && order != '>' && order != '|' && order != '=')) {
            String why = switch (code.isEmpty() ? ' ' : code.charAt(0)) {
                case 'O' -> "object arrays (pickled Python objects) are not supported";
                case 'V' -> "void/structured dtypes are not supported";
                case 'S', 'U', 'a' -> "string dtypes are not supported";
                case 'c' -> "complex dtypes are not supported";
                case 'M', 'm' -> "datetime dtypes are not supported";
                default -> "unsupported dtype";
            };
            throw fail(path, "npy-dtype", why + " (descr '" + descr + "'); supported: <f8 <f4 <f2 <i8 <i4 <i2 |i1 "
                    + "<u8 <u4 <u2 |u1 |b1");
        }
        if (t.byteSize() > 1) {
            if (order == '>') {
                throw fail(path, "npy-byte-order", "big-endian dtype '" + descr + "' is not supported; save with "
                        + "arr.astype('<" + code + "')");
            }
            if (order == '=') {
                throw fail(path, "npy-byte-order", "native-order dtype '" + descr + "' is ambiguous; save with "
                        + "arr.astype('<" + code + "')");
            }
            if (order == '|') {
                throw fail(path, "npy-dtype", "dtype '" + descr + "' has no byte order; expected '<" + code + "'");
            }
        }
        return t;
    }

    /**
     * A heap array for {@code shape}, or a {@code npy-too-large} error that says the file's size and the limit it
     * passes: the element count a Java array holds, or the heap's maximum (an allocation that still finds no room, with
     * the heap shared by other work, is the same error rather than an OutOfMemoryError that would end the program).
     */
    private static Tensor allocateHeap(String path, DType dtype, long[] shape, long bytes) {
        long n = Shape.numel(shape);
        String what = "the array " + Shape.toString(shape) + " of " + dtype + " is " + bytes + " bytes";
        if (n > MAX_HEAP_ELEMENTS) {
            throw fail(path, "npy-too-large", what + ": " + n + " elements, more than the " + MAX_HEAP_ELEMENTS + " an array in "
                    + "memory holds");
        }
        long maxHeap = Runtime.getRuntime().maxMemory();
        if (maxHeap != Long.MAX_VALUE && bytes > maxHeap) {
            throw fail(path, "npy-too-large", what + ", more than the Java heap's maximum of " + maxHeap + " bytes (-Xmx)");
        }
        int len = (int) n;
        MemorySegment seg;
        try {
            seg = switch (dtype.byteSize()) {
                case 8 -> dtype == DType.F64 ? MemorySegment.ofArray(new double[len]) : MemorySegment.ofArray(new long[len]);
                case 4 -> dtype == DType.F32 ? MemorySegment.ofArray(new float[len]) : MemorySegment.ofArray(new int[len]);
                case 2 -> MemorySegment.ofArray(new short[len]);
                default -> MemorySegment.ofArray(new byte[len]);
            };
        } catch (OutOfMemoryError e) {
            // one array that did not fit: nothing else was allocated, and the heap is as it was
            throw fail(path, "npy-too-large", what + ", more than the Java heap has free (maximum " + maxHeap + " bytes, -Xmx)");
        }
        return Tensor.wrap(dtype, shape, seg);
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes {@code tensor} to {@code path} (replacing it, atomically): format 1.0, or 2.0 if the header does not fit
     * 1.0's 16-bit length; the header is padded with spaces and a final newline so the data starts at a multiple of
     * 64 bytes. Writes F64, F32, F16, I64, I32, I16, I8, U64, U32, U16, U8 and BOOL (stored as 0/1 bytes); BF16 and
     * the F8 types have no npy dtype and are refused with {@link IllegalArgumentException} (convert with
     * {@link Tensor#toF32} first).
     */
    public static void write(Path path, Tensor tensor) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(tensor, "tensor");
        String descr = descrOf(tensor.dtype());
        byte[] header = header(descr, tensor.shape());
        MemorySegment data = tensor.segment();
        boolean bool = tensor.dtype() == DType.BOOL;

        Path abs = path.toAbsolutePath();
        RegularFiles.requireReplaceable(abs);
        Path tmp = null;
        try {
            Path candidate = abs.getParent().resolve("." + abs.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
            try (FileChannel ch = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                tmp = candidate;
                writeFully(ch, ByteBuffer.wrap(header));
                byte[] buf = new byte[CHUNK];
                for (long off = 0; off < data.byteSize(); off += CHUNK) {
                    int len = (int) Math.min(CHUNK, data.byteSize() - off);
                    MemorySegment.copy(data, ValueLayout.JAVA_BYTE, off, buf, 0, len);
                    if (bool) for (int i = 0; i < len; i++) buf[i] = buf[i] != 0 ? (byte) 1 : 0;
                    writeFully(ch, ByteBuffer.wrap(buf, 0, len));
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static String descrOf(DType t) {
        return switch (t) {
            case F64 -> "<f8";
            case F32 -> "<f4";
            case F16 -> "<f2";
            case I64 -> "<i8";
            case I32 -> "<i4";
            case I16 -> "<i2";
            case I8 -> "|i1";
            case U64 -> "<u8";
            case U32 -> "<u4";
            case U16 -> "<u2";
            case U8 -> "|u1";
            case BOOL -> "|b1";
            case BF16, F8_E4M3, F8_E5M2 -> throw new IllegalArgumentException("npy has no " + t
                    + " dtype; convert the tensor with toF32 before writing it");
        };
    }

    /** Magic, version, length and the padded header, ready to write; the total is a multiple of 64 bytes. */
    private static byte[] header(String descr, long[] shape) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tupleString(shape) + ", }";
        byte[] text = dict.getBytes(StandardCharsets.ISO_8859_1);
        int prefix = 10;
        int total = roundUp(prefix + text.length + 1);
        if (total - prefix > 0xFFFF) {
            prefix = 12;
            total = roundUp(prefix + text.length + 1);
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) (prefix == 10 ? 1 : 2)).put((byte) 0);
        if (prefix == 10) b.putShort((short) (total - prefix));
        else b.putInt(total - prefix);
        b.put(text);
        while (b.position() < total - 1) b.put((byte) ' ');
        b.put((byte) '\n');
        return b.array();
    }

    private static int roundUp(int n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** A shape as a Python tuple: {@code ()}, {@code (3,)}, {@code (3, 4)}. */
    private static String tupleString(long[] shape) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) b.append(", ");
            b.append(shape[i]);
        }
        if (shape.length == 1) b.append(',');
        return b.append(')').toString();
    }

    private static ModelFormatException fail(String source, String rule, String detail) {
        return new ModelFormatException(source, null, rule, detail);
    }

    // ---------------------------------------------------------------- header literal

    /** A Python tuple value in a header (told apart from a list, which numpy uses for structured dtypes). */
    record Tuple(List<Object> items) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < items.size(); i++) b.append(i > 0 ? ", " : "").append(items.get(i));
            return b.append(items.size() == 1 ? ",)" : ")").toString();
        }
    }

    /**
     * A parser for the Python literals npy headers use: dicts, tuples, lists, strings in single or double quotes,
     * integers (an old-style {@code L} suffix is allowed), True, False and None. Errors are
     * {@link IllegalArgumentException}s with the position.
     */
    static final class Literal {
        private final String s;
        private int pos;

        Literal(String s) {
            this.s = s;
        }

        /** The one value in the text; surrounding whitespace (the header's padding and newline) is allowed. */
        Object parseAll() {
            Object v = value(0);
            ws();
            if (pos != s.length()) throw error("unexpected text after the value");
            return v;
        }

        private Object value(int depth) {
            if (depth > 32) throw error("nesting too deep");
            ws();
            if (pos >= s.length()) throw error("unexpected end");
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> dict(depth);
                case '(' -> tuple(depth);
                case '[' -> list(depth);
                case '\'', '"' -> string();
                default -> {
                    if (c == '-' || c == '+' || (c >= '0' && c <= '9')) yield integer();
                    if (Character.isLetter(c)) yield word();
                    throw error("unexpected character '" + c + "'");
                }
            };
        }

        private Map<String, Object> dict(int depth) {
            pos++;
            Map<String, Object> m = new LinkedHashMap<>();
            while (true) {
                ws();
                if (peek() == '}') {
                    pos++;
                    return m;
                }
                Object k = value(depth + 1);
                if (!(k instanceof String key)) throw error("dict keys must be strings");
                ws();
                expect(':');
                if (m.containsKey(key)) throw error("duplicate key '" + key + "'");
                m.put(key, value(depth + 1));
                ws();
                if (peek() == ',') pos++;
                else if (peek() != '}') throw error("expected ',' or '}'");
            }
        }

        private Object tuple(int depth) {
            pos++;
            List<Object> items = new ArrayList<>();
            boolean comma = false;
            while (true) {
                ws();
                if (peek() == ')') {
                    pos++;
                    // (x) is just x in Python; a tuple needs a comma or no items
                    return items.size() == 1 && !comma ? items.get(0) : new Tuple(items);
                }
                items.add(value(depth + 1));
                ws();
                if (peek() == ',') {
                    pos++;
                    comma = true;
                } else if (peek() != ')') {
                    throw error("expected ',' or ')'");
                }
            }
        }

        private List<Object> list(int depth) {
            pos++;
            List<Object> items = new ArrayList<>();
            while (true) {
                ws();
                if (peek() == ']') {
                    pos++;
                    return items;
                }
                items.add(value(depth + 1));
                ws();
                if (peek() == ',') pos++;
                else if (peek() != ']') throw error("expected ',' or ']'");
            }
        }

        private String string() {
            char q = s.charAt(pos++);
            StringBuilder b = new StringBuilder();
            while (true) {
                if (pos >= s.length()) throw error("unterminated string");
                char c = s.charAt(pos++);
                if (c == q) return b.toString();
                if (c == '\n') throw error("newline in string");
                if (c == '\\') {
                    if (pos >= s.length()) throw error("unterminated string");
                    char e = s.charAt(pos++);
                    switch (e) {
                        case '\\', '\'', '"' -> b.append(e);
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        default -> throw error("unsupported escape '\\" + e + "'");
                    }
                } else {
                    b.append(c);
                }
            }
        }

        private Object integer() {
            int start = pos;
            if (peek() == '-' || peek() == '+') pos++;
            int digits = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) pos++;
            if (pos == digits) throw error("bad number");
            // a dimension has at most 20 digits: BigInteger is quadratic in length (a million digits took 15 s)
            if (pos - digits > 40) throw error("an integer of " + (pos - digits) + " digits: " + s.substring(digits, digits + 20) + "…");
            String text = s.substring(start, pos);
            if (peek() == 'L' || peek() == 'l') pos++;
            if (peek() == '.' || peek() == 'e' || peek() == 'E' || peek() == 'j' || peek() == '_') {
                throw error("only integers are supported");
            }
            BigInteger v = new BigInteger(text.startsWith("+") ? text.substring(1) : text);
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        }

        private Object word() {
            int start = pos;
            while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) pos++;
            String w = s.substring(start, pos);
            return switch (w) {
                case "True" -> Boolean.TRUE;
                case "False" -> Boolean.FALSE;
                case "None" -> null;
                default -> {
                    pos = start;
                    throw error("unexpected name '" + w + "'");
                }
            };
        }

        private void expect(char c) {
            if (peek() != c) throw error("expected '" + c + "'");
            pos++;
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private void ws() {
            while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t' || s.charAt(pos) == '\n'
                    || s.charAt(pos) == '\r')) {
                pos++;
            }
        }

        private IllegalArgumentException error(String msg) {
            return new IllegalArgumentException(msg + " at character " + pos);
        }
    }
}
