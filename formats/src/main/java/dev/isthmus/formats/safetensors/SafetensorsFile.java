package dev.isthmus.formats.safetensors;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.RegularFiles;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.json.JsonException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A safetensors file, memory-mapped read-only and validated as strictly as the reference implementation
 * ({@code huggingface/safetensors}) does.
 *
 * <p>Layout: an 8-byte little-endian unsigned header length {@code N}, {@code N} bytes of UTF-8 JSON (an object
 * mapping tensor names to {@code {"dtype", "shape", "data_offsets"}}, plus an optional {@code "__metadata__"} object
 * of strings), then the data block. Data offsets are relative to the start of the data block; the tensors must tile it
 * exactly, with no gap, overlap or trailing byte.
 *
 * <p>{@link #open} validates the whole header before returning; every tensor is then a zero-copy view of the mapping
 * (whose alignment is not required). The mapping lives in a shared {@link Arena} owned by this object: {@link #close}
 * unmaps it, after which reading any tensor obtained from this file throws {@link IllegalStateException}.
 *
 * <p>Every validation failure is a {@link ModelFormatException} naming the file, the tensor when there is one, and a
 * stable rule id: {@code file-too-small}, {@code header-too-large}, {@code header-out-of-bounds},
 * {@code header-utf8}, {@code header-json}, {@code header-not-object}, {@code duplicate-name},
 * {@code metadata-type}, {@code entry-not-object}, {@code entry-fields}, {@code unknown-dtype},
 * {@code negative-dim}, {@code size-overflow}, {@code offsets-invalid}, {@code size-mismatch},
 * {@code offsets-out-of-bounds}, {@code offsets-overlap}, {@code offsets-gap}, {@code trailing-bytes}; and
 * {@code missing-tensor} from {@link #tensor} for a name the file does not hold.
 *
 * <p>Decisions beyond the reference's: unknown extra keys in a tensor entry are ignored (as the reference's serde
 * decoding does); {@code "__metadata__": null} counts as no metadata (as the reference's {@code Option} does);
 * whitespace around the JSON object is allowed (writers pad the header with spaces to a multiple of 8 bytes).
 *
 * <p>I/O failures (missing file, permissions) are thrown as {@link UncheckedIOException} naming the file.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The largest header the reference accepts, in bytes. */
    public static final long MAX_HEADER_SIZE = 100_000_000L;
    /** The header key holding the string-to-string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    /** The whole file, mapped; null for files built in memory. */
    private MemorySegment mapped;
    private final long fileSize;
    private final long headerSize;
    private final Map<String, Tensor> tensors;
    private final List<String> names;
    private final Map<String, String> metadata;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SafetensorsFile(Path path, Arena arena, long fileSize, long headerSize, Map<String, Tensor> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.fileSize = fileSize;
        this.headerSize = headerSize;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.names = List.copyOf(tensors.keySet());
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Maps and validates {@code path}. Throws {@link ModelFormatException} when the file breaks a rule (nothing stays
     * mapped then) and {@link UncheckedIOException} when it cannot be read.
     */
    public static SafetensorsFile open(Path path) {
        Objects.requireNonNull(path, "path");
        RegularFiles.require(path);
        Arena arena = Arena.ofShared();
        boolean ok = false;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw fail(path, null, "file-too-small", "file of " + size
                        + " bytes is too small for a safetensors file (at least the 8-byte header length is needed)");
            }
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            SafetensorsFile f = parse(path, arena, mapped);
            f.mapped = mapped;
            ok = true;
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + path + ": " + e, e);
        } finally {
            if (!ok) arena.close();
        }
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private static SafetensorsFile parse(Path path, Arena arena, MemorySegment mapped) {
        long size = mapped.byteSize();
        long n = mapped.get(U64_LE, 0);
        if (n < 0 || n > MAX_HEADER_SIZE) {
            throw fail(path, null, "header-too-large", "header length " + Long.toUnsignedString(n)
                    + " exceeds the limit of " + MAX_HEADER_SIZE + " bytes");
        }
        if (8 + n > size) {
            throw fail(path, null, "header-out-of-bounds", "header length " + n + " reaches past the end of the file ("
                    + size + " bytes, so at most " + (size - 8) + " bytes of header)");
        }
        String header = decodeUtf8(path, mapped.asSlice(8, n));

        Object root;
        try {
            root = Json.parse(header);
        } catch (JsonException e) {
            if (e.duplicateKey() != null) throw duplicate(path, header, e);
            throw new ModelFormatException(path.toString(), null, "header-json", "the header is not valid JSON: "
                    + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> rootMap)) {
            throw fail(path, null, "header-not-object", "the header is " + Json.typeName(root)
                    + ", not a JSON object");
        }

        long dataStart = 8 + n;
        long dataLen = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>(rootMap.size());
        for (Map.Entry<?, ?> e : rootMap.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA_KEY)) {
                readMetadata(path, e.getValue(), metadata);
            } else {
                entries.add(readEntry(path, name, e.getValue(), dataLen));
            }
        }

        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end)
                .thenComparing(Entry::name, SafetensorsFile::compareCodePoints));
        long cursor = 0;
        Entry prev = null;
        for (Entry en : entries) {
            if (en.begin < cursor) {
                throw fail(path, en.name, "offsets-overlap", "data_offsets [" + en.begin + ", " + en.end
                        + "] overlap tensor '" + prev.name + "' at [" + prev.begin + ", " + prev.end + "]");
            }
            if (en.begin > cursor) {
                throw fail(path, en.name, "offsets-gap", prev == null
                        ? "the first tensor in the data block starts at byte " + en.begin + ", not 0"
                        : "bytes [" + cursor + ", " + en.begin + ") between tensor '" + prev.name
                        + "' and this one belong to no tensor");
            }
            cursor = en.end;
            prev = en;
        }
        if (cursor != dataLen) {
            throw fail(path, null, "trailing-bytes", "the data block is " + dataLen + " bytes but the tensors end at byte "
                    + cursor + " (" + (dataLen - cursor) + " trailing bytes)");
        }

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry en : entries) {
            MemorySegment view = mapped.asSlice(dataStart + en.begin, en.end - en.begin);
            tensors.put(en.name, Tensor.wrap(en.dtype, en.shape, view));
        }
        return new SafetensorsFile(path, arena, size, n, tensors, metadata);
    }

    private static String decodeUtf8(Path path, MemorySegment headerBytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = headerBytes.asByteBuffer();
        try {
            CharBuffer out = dec.decode(in);
            return out.toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(path.toString(), null, "header-utf8",
                    "the header is not valid UTF-8 (bad byte sequence near header byte " + in.position() + ")", e);
        }
    }

    /** A duplicate key: a tensor name when it is a key of the top-level object, else a field inside an entry. */
    private static ModelFormatException duplicate(Path path, String header, JsonException e) {
        String key = e.duplicateKey();
        String enclosing = enclosingTopLevelKey(header, e.offset());
        if (enclosing == null) {
            return new ModelFormatException(path.toString(), key, "duplicate-name",
                    "the name appears more than once in the header", e);
        }
        return new ModelFormatException(path.toString(), enclosing.equals(METADATA_KEY) ? null : enclosing,
                "duplicate-name", "key \"" + key + "\" appears more than once in "
                + (enclosing.equals(METADATA_KEY) ? "__metadata__" : "the entry"), e);
    }

    /**
     * The top-level key whose value contains character {@code offset} of {@code json}, or null when {@code offset} is
     * at depth one (a key of the top-level object itself). The text is known to be valid JSON up to {@code offset}.
     */
    private static String enclosingTopLevelKey(String json, int offset) {
        int depth = 0;
        boolean expectKey = false;
        String lastTopKey = null;
        for (int i = 0; i < offset && i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') {
                int end = i + 1;
                while (end < json.length() && json.charAt(end) != '"') end += json.charAt(end) == '\\' ? 2 : 1;
                if (depth == 1 && expectKey) {
                    lastTopKey = (String) Json.parse(json.substring(i, end + 1));
                    expectKey = false;
                }
                i = end;
            } else if (c == '{' || c == '[') {
                depth++;
                if (depth == 1) expectKey = true;
            } else if (c == '}' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 1) {
                expectKey = true;
            }
        }
        return depth <= 1 ? null : lastTopKey;
    }

    private static void readMetadata(Path path, Object value, Map<String, String> out) {
        if (value == null) return;
        if (!(value instanceof Map<?, ?> m)) {
            throw fail(path, null, "metadata-type", "__metadata__ must be an object of strings, found "
                    + Json.typeName(value));
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw fail(path, null, "metadata-type", "__metadata__ value for key \"" + e.getKey()
                        + "\" must be a string, found " + Json.typeName(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
    }

    private static Entry readEntry(Path path, String name, Object value, long dataLen) {
        if (!(value instanceof Map<?, ?> m)) {
            throw fail(path, name, "entry-not-object", "the entry must be an object with dtype, shape and "
                    + "data_offsets, found " + Json.typeName(value));
        }
        List<String> missing = new ArrayList<>();
        for (String k : List.of("dtype", "shape", "data_offsets")) {
            if (!m.containsKey(k)) missing.add(k);
        }
        if (!missing.isEmpty()) {
            throw fail(path, name, "entry-fields", "the entry lacks " + String.join(", ", missing));
        }
        Object dt = m.get("dtype");
        Object sh = m.get("shape");
        Object off = m.get("data_offsets");
        if (!(dt instanceof String dtName)) {
            throw fail(path, name, "entry-fields", "dtype must be a string, found " + Json.typeName(dt));
        }
        if (!(sh instanceof List<?> shList)) {
            throw fail(path, name, "entry-fields", "shape must be an array, found " + Json.typeName(sh));
        }
        if (!(off instanceof List<?> offList)) {
            throw fail(path, name, "entry-fields", "data_offsets must be an array, found " + Json.typeName(off));
        }

        DType dtype = DType.fromName(dtName);
        if (dtype == null) {
            throw fail(path, name, "unknown-dtype", "unknown or unsupported dtype \"" + dtName + "\"");
        }

        long[] shape = new long[shList.size()];
        boolean tooLarge = false;
        for (int i = 0; i < shape.length; i++) {
            Object d = shList.get(i);
            if (d instanceof Long l && l >= 0) {
                shape[i] = l;
            } else if (d instanceof BigInteger b && b.signum() > 0) {
                tooLarge = true; // does not fit in 64 bits
                shape[i] = Long.MAX_VALUE;
            } else {
                throw fail(path, name, "negative-dim", "dimension " + i + " of shape " + sh
                        + " must be a non-negative integer, found " + describe(d));
            }
        }
        long bytes;
        try {
            if (tooLarge) throw new ArithmeticException();
            long numel = 1;
            for (long d : shape) numel = Math.multiplyExact(numel, d);
            bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        } catch (ArithmeticException ex) {
            throw fail(path, name, "size-overflow", "shape " + sh + " of " + dtype
                    + " has a byte size that overflows 64 bits");
        }

        if (offList.size() != 2) {
            throw fail(path, name, "offsets-invalid", "data_offsets must be [begin, end], found " + off);
        }
        long[] be = new long[2];
        for (int i = 0; i < 2; i++) {
            Object o = offList.get(i);
            if (o instanceof Long l && l >= 0) {
                be[i] = l;
            } else if (o instanceof BigInteger b && b.signum() > 0) {
                throw fail(path, name, "offsets-out-of-bounds", "data_offsets " + off
                        + " reach past the end of the data block (" + dataLen + " bytes)");
            } else {
                throw fail(path, name, "offsets-invalid", "data_offsets must be two non-negative integers, found "
                        + off);
            }
        }
        long begin = be[0];
        long end = be[1];
        if (begin > end) {
            throw fail(path, name, "offsets-invalid", "data_offsets " + off + " begin after they end");
        }
        if (end - begin != bytes) {
            throw fail(path, name, "size-mismatch", "data_offsets " + off + " span " + (end - begin)
                    + " bytes but a " + dtype + " tensor of shape " + Shape.toString(shape) + " needs " + bytes);
        }
        if (end > dataLen) {
            throw fail(path, name, "offsets-out-of-bounds", "data_offsets " + off
                    + " reach past the end of the data block (" + dataLen + " bytes)");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static String describe(Object v) {
        return v instanceof Number || v instanceof String ? Json.write(v) : Json.typeName(v);
    }

    /** Compares strings by Unicode code point, i.e. in the byte order of their UTF-8 forms. */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    private static ModelFormatException fail(Path path, String tensor, String rule, String detail) {
        return new ModelFormatException(path.toString(), tensor, rule, detail);
    }

    // ---------------------------------------------------------------- accessors

    /** The file as given to {@link #open}. */
    public Path path() {
        return path;
    }

    /**
     * The tensor names in the order of their data in the file (ascending data offsets; zero-size tensors sharing an
     * offset are ordered by name). For files written by {@link SafetensorsWriter} this is sorted name order.
     */
    public List<String> names() {
        return names;
    }

    /** True when the file holds a tensor of this name. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The tensor {@code name}, a zero-copy view of the mapping valid until {@link #close}. Throws
     * {@link ModelFormatException} (rule {@code missing-tensor}) when there is no such tensor, and
     * {@link IllegalStateException} when the file is closed.
     */
    public Tensor tensor(String name) {
        checkOpen();
        Tensor t = tensors.get(name);
        if (t == null) {
            StringBuilder known = new StringBuilder();
            int shown = 0;
            for (String s : names) {
                if (shown == 8) {
                    known.append(", ...");
                    break;
                }
                known.append(shown++ == 0 ? "" : ", ").append(s);
            }
            throw fail(path, name, "missing-tensor", "no such tensor; the file holds " + names.size() + " tensor"
                    + (names.size() == 1 ? "" : "s") + (names.isEmpty() ? "" : ": " + known));
        }
        return t;
    }

    /** All tensors, in {@link #names} order (unmodifiable). Throws {@link IllegalStateException} when closed. */
    public Map<String, Tensor> tensors() {
        checkOpen();
        return tensors;
    }

    /** The {@code __metadata__} strings, in file order; empty when absent (unmodifiable). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The file's size in bytes. */
    public long fileSize() {
        return fileSize;
    }

    /** {@code N}: the JSON header's length in bytes, padding included, excluding the 8-byte length prefix. */
    public long headerSize() {
        return headerSize;
    }

    /** Where the data block starts in the file: {@code 8 + headerSize()}. */
    public long dataOffset() {
        return 8 + headerSize;
    }

    /** True until {@link #close}. */
    public boolean isOpen() {
        return !closed.get();
    }

    private void checkOpen() {
        if (closed.get()) throw new IllegalStateException("safetensors file " + path + " is closed");
    }

    /** Unmaps the file; tensors from it become unreadable ({@link IllegalStateException}). Idempotent. */
    /**
     * Drops the file's pages from this process's resident memory (they stay in the OS page cache, and a tensor read
     * again faults them back in: every tensor stays valid). A model builder calls this once its layers have copied
     * or packed what they need, so the weights are not held twice. No-op once closed.
     */
    public void releasePages() {
        MemorySegment m = mapped;
        if (m == null || closed.get()) return;
        try {
            m.unload();
        } catch (IllegalStateException e) {
            // closed meanwhile: nothing to release
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) arena.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + names.size() + " tensors" + (isOpen() ? "" : ", closed") + "]";
    }
}
