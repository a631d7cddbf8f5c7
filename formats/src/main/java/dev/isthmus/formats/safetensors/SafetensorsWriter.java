package dev.isthmus.formats.safetensors;

import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.RegularFiles;
import dev.isthmus.formats.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
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
import java.util.TreeMap;

/**
 * Writes safetensors files as the format specifies: the header is compact JSON with {@code __metadata__} first (only
 * when there is metadata, its keys sorted), then one {@code {"dtype", "shape", "data_offsets"}} entry per tensor in
 * sorted name order (by Unicode code point, i.e. UTF-8 byte order); the header is padded with spaces to a multiple
 * of 8 bytes so the data block starts 8-byte aligned; the data follows contiguously in the same order.
 *
 * <p>The file is written to a temporary file in the target's directory and then moved over the target atomically, so
 * readers never see a half-written file (and a file currently mapped by a {@link SafetensorsFile} keeps its old
 * contents). I/O failures are thrown as {@link UncheckedIOException}.
 */
public final class SafetensorsWriter {
    private static final int CHUNK = 1 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SafetensorsWriter() {
    }

    /** Writes {@code tensors} without metadata. */
    public static void write(Path path, Map<String, Tensor> tensors) {
        write(path, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} and {@code metadata} (null or empty for none) to {@code path}, replacing it. Throws
     * {@link IllegalArgumentException} for a null name, tensor or metadata string, for the reserved name
     * {@code __metadata__}, or when the header would exceed {@link SafetensorsFile#MAX_HEADER_SIZE}.
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(tensors, "tensors");
        List<String> names = new ArrayList<>(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey() == null) throw new IllegalArgumentException("tensor name is null");
            if (e.getKey().equals(SafetensorsFile.METADATA_KEY)) {
                throw new IllegalArgumentException("'" + SafetensorsFile.METADATA_KEY + "' is reserved and cannot name a tensor");
            }
            if (e.getValue() == null) throw new IllegalArgumentException("tensor '" + e.getKey() + "' is null");
            if (!e.getValue().isAlive()) {
                throw new IllegalStateException("tensor '" + e.getKey() + "' was closed with the memory that owned it");
            }
            names.add(e.getKey());
        }
        names.sort(SafetensorsFile::compareCodePoints);

        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            Map<String, String> sorted = new TreeMap<>(SafetensorsFile::compareCodePoints);
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("metadata keys and values must not be null: " + e);
                }
                sorted.put(e.getKey(), e.getValue());
            }
            header.put(SafetensorsFile.METADATA_KEY, sorted);
        }
        long offset = 0;
        for (String name : names) {
            Tensor t = tensors.get(name);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype().name());
            entry.put("shape", t.shape());
            entry.put("data_offsets", new long[]{offset, offset + t.byteSize()});
            header.put(name, entry);
            offset += t.byteSize();
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        if (padded > SafetensorsFile.MAX_HEADER_SIZE) {
            throw new IllegalArgumentException("safetensors header of " + padded + " bytes exceeds the limit of "
                    + SafetensorsFile.MAX_HEADER_SIZE);
        }
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        writeAtomically(path, ch -> {
            writeFully(ch, head);
            byte[] buf = new byte[CHUNK];
            for (String name : names) {
                MemorySegment seg = tensors.get(name).segment();
                for (long off = 0; off < seg.byteSize(); off += CHUNK) {
                    int len = (int) Math.min(CHUNK, seg.byteSize() - off);
                    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, buf, 0, len);
                    writeFully(ch, ByteBuffer.wrap(buf, 0, len));
                }
            }
        });
    }

    private interface Body {
        void write(FileChannel ch) throws IOException;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Writes a temporary sibling of {@code path} with {@code body}, syncs it, and moves it over {@code path}. */
    private static void writeAtomically(Path path, Body body) {
        Path abs = path.toAbsolutePath();
        RegularFiles.requireReplaceable(abs);
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            // not Files.createTempFile: its files are owner-only, and the result should get the usual permissions
            Path candidate = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
            try (FileChannel ch = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                tmp = candidate;
                body.write(ch);
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
                    // best effort: the temporary file is hidden and named after the target
                }
            }
        }
    }
}
