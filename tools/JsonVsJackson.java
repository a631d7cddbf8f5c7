import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.isthmus.formats.json.Json;

import java.util.Arrays;
import java.util.Map;

/**
 * How long isthmus's JSON reader takes on a safetensors-style header against Jackson's, for docs/reliability.md.
 * Jackson is no dependency of the project: this file runs on its own, with a Jackson from the local Maven repository:
 *
 * <pre>
 * ./build -o -q -pl formats -am compile
 * J=~/.m2/repository/com/fasterxml/jackson/core
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -Xms4g -Xmx4g -XX:+UseSerialGC \
 *   -cp formats/target/classes:$J/jackson-databind/2.22.3/jackson-databind-2.22.3.jar:$J/jackson-core/2.22.3/jackson-core-2.22.3.jar:$J/jackson-annotations/2.22/jackson-annotations-2.22.jar \
 *   tools/JsonVsJackson.java
 * </pre>
 *
 * Both read the text (a Java String, as the safetensors reader has it after decoding UTF-8) into maps and lists;
 * Jackson with duplicate-key detection on, as isthmus's reader always has it. Prints the fastest and the median of 15
 * timed runs per size, after 10 warm-up runs of each parser on each size (the fastest is the one least disturbed by whatever else the machine
 * runs).
 */
public class JsonVsJackson {
    /** A header of about {@code bytes} characters: tensor entries as a 7B-parameter checkpoint has them. */
    static String header(int bytes) {
        StringBuilder b = new StringBuilder(bytes + 200);
        b.append("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        String[] parts = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj",
                "mlp.up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm"};
        for (int i = 0; b.length() < bytes; i++) {
            String name = "model.layers." + i / parts.length + "." + parts[i % parts.length] + ".weight";
            boolean norm = parts[i % parts.length].endsWith("layernorm");
            long n = norm ? 4096 : 4096L * 11008;
            b.append(",\"").append(name).append("\":{\"dtype\":\"BF16\",\"shape\":")
                    .append(norm ? "[4096]" : "[4096,11008]").append(",\"data_offsets\":[").append(offset).append(',')
                    .append(offset + 2 * n).append("]}");
            offset += 2 * n;
        }
        return b.append('}').toString();
    }

    interface Parse {
        Object run(String s) throws Exception;
    }

    /** The fastest and the median of 15 timed runs, in milliseconds. */
    static double[] millis(String text, Parse p) throws Exception {
        double[] ms = new double[15];
        for (int i = 0; i < ms.length; i++) {
            long t = System.nanoTime();
            Object v = p.run(text);
            ms[i] = (System.nanoTime() - t) / 1e6;
            if (((Map<?, ?>) v).isEmpty()) throw new AssertionError();
        }
        Arrays.sort(ms);
        return new double[]{ms[0], ms[ms.length / 2]};
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper jackson = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        System.out.printf("%-7s %8s %22s %22s%n", "header", "entries", "isthmus ms (min, med)", "Jackson ms (min, med)");
        String[] headers = {header(1 << 20), header(20 << 20)};
        for (int i = 0; i < 10; i++) {
            for (String h : headers) { // both parsers compiled on both sizes before any run is timed
                Json.parseObject(h);
                jackson.readValue(h, Map.class);
            }
        }
        for (String h : headers) {
            int mb = h.length() >> 20;
            int entries = Json.parseObject(h).size();
            if (jackson.readValue(h, Map.class).size() != entries) throw new AssertionError("different entries");
            double[] ours = millis(h, Json::parseObject);
            double[] theirs = millis(h, s -> jackson.readValue(s, Map.class));
            System.out.printf("%-7s %8d %12.1f %9.1f %12.1f %9.1f%n", mb + " MB", entries, ours[0], ours[1], theirs[0], theirs[1]);
        }
        System.out.println("java " + System.getProperty("java.version") + ", Jackson "
                + com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION);
    }
}
