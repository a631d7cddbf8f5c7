package dev.isthmus.bench.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * ONNX Runtime Java doing in one fresh process what {@code isthmus run} or {@code isthmus predict} does: load a model,
 * produce one result, exit. {@code bench/cold-start} times the whole process from outside (wall time, peak RSS) and
 * alternates it with isthmus. The session is made as {@link OrtEngine} makes it (all graph optimisations, T intra-op
 * threads, sequential). Touches nothing of isthmus, so the process holds what an ORT user's would.
 *
 * <pre>
 *   OrtColdRun MODEL.onnx THREADS NAME=FILE.npy ...        one run on float32 .npy inputs; prints each output's size
 *   OrtColdRun MODEL.onnx THREADS --images DIR INPUT SCALE one batch of every PNG in DIR (grayscale, H×W of the
 *                                                          files, × SCALE); prints "file label" lines as predict does
 * </pre>
 * Phase times go to stderr: {@code ort: session S ms, first run R ms}.
 */
public final class OrtColdRun {
    private OrtColdRun() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: OrtColdRun MODEL.onnx THREADS (NAME=FILE.npy ... | --images DIR INPUT SCALE)");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (SessionOptions o = new SessionOptions()) {
            o.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
            o.setIntraOpNumThreads(Integer.parseInt(args[1]));
            o.setInterOpNumThreads(1);
            o.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
            try (OrtSession s = env.createSession(args[0], o)) {
                long t1 = System.nanoTime();
                Map<String, OnnxTensor> feed = new HashMap<>();
                List<Path> files = List.of();
                if (args[2].equals("--images")) {
                    files = images(Path.of(args[3]));
                    feed.put(args[4], imageBatch(env, files, Float.parseFloat(args[5])));
                } else {
                    for (int i = 2; i < args.length; i++) {
                        int eq = args[i].indexOf('=');
                        feed.put(args[i].substring(0, eq), npy(env, Path.of(args[i].substring(eq + 1))));
                    }
                }
                long t2 = System.nanoTime();
                try (OrtSession.Result r = s.run(feed)) {
                    long t3 = System.nanoTime();
                    FloatBuffer first = ((OnnxTensor) r.get(0)).getFloatBuffer();
                    if (files.isEmpty()) {
                        System.out.println(r.size() + " output(s), the first of " + first.remaining() + " values");
                    } else {
                        int classes = first.remaining() / files.size();
                        for (int f = 0; f < files.size(); f++) {
                            int best = 0;
                            for (int c = 1; c < classes; c++) {
                                if (first.get(f * classes + c) > first.get(f * classes + best)) best = c;
                            }
                            System.out.println(files.get(f) + "  " + best);
                        }
                    }
                    System.err.printf("ort: session %.1f ms, inputs %.1f ms, first run %.1f ms%n",
                            (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
                }
                for (OnnxTensor t : feed.values()) t.close();
            }
        } catch (OrtException e) {
            System.err.println("ort: " + e.getMessage());
            System.exit(1);
        }
    }

    private static List<Path> images(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }

    /** Every file decoded by ImageIO, its first band (grayscale) × scale, as one [N, 1, H, W] batch. */
    private static OnnxTensor imageBatch(OrtEnvironment env, List<Path> files, float scale) throws IOException, OrtException {
        List<float[]> planes = new ArrayList<>();
        int h = -1, w = -1;
        for (Path p : files) {
            BufferedImage img = ImageIO.read(p.toFile());
            if (h < 0) {
                h = img.getHeight();
                w = img.getWidth();
            }
            float[] px = new float[h * w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) px[y * w + x] = img.getRaster().getSample(x, y, 0) * scale;
            }
            planes.add(px);
        }
        FloatBuffer b = FloatBuffer.allocate(planes.size() * h * w);
        for (float[] px : planes) b.put(px);
        b.flip();
        return OnnxTensor.createTensor(env, b, new long[]{planes.size(), 1, h, w});
    }

    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** A little-endian float32 C-order .npy file (what tools/export_models.py writes). */
    private static OnnxTensor npy(OrtEnvironment env, Path file) throws IOException, OrtException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int major = b.get(6);
        int headerLen = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
        int start = (major == 1 ? 10 : 12) + headerLen;
        String header = new String(b.array(), major == 1 ? 10 : 12, headerLen, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
            throw new IOException(file + ": not a little-endian float32 C-order array: " + header.trim());
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) throw new IOException(file + ": no shape in " + header.trim());
        List<Long> dims = new ArrayList<>();
        for (String d : m.group(1).split(",")) if (!d.isBlank()) dims.add(Long.parseLong(d.trim()));
        FloatBuffer data = b.position(start).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        return OnnxTensor.createTensor(env, data, dims.stream().mapToLong(Long::longValue).toArray());
    }
}
