package dev.isthmus.formats.spec;

import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.ir.SpecLowering;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.formats.image.ImageInput;
import dev.isthmus.formats.json.Json;
import dev.isthmus.formats.json.JsonException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an {@code isthmus/1} spec from JSON. Structural problems (a node without {@code op}, an input without a
 * shape, ...) are collected and reported together; whether ops and arguments exist is the engine's check at build.
 */
public final class SpecReader {
    private SpecReader() {
    }

    private static final Set<String> NODE_KEYS = Set.of("op", "name", "input", "inputs", "output", "outputs");
    private static final Set<String> INPUT_KEYS = Set.of("name", "shape", "dtype");

    /** Parses {@code json}; {@code source} names the file for messages. */
    public static ModelSpec read(String json, String source) {
        Map<String, Object> root;
        try {
            root = Json.parseObject(json);
        } catch (JsonException e) {
            throw new ModelFormatException(source, null, "spec-json", "the model spec is not valid JSON: " + e.getMessage(), e);
        }
        return fromJson(root, source);
    }

    /** Builds a spec from parsed JSON. */
    public static ModelSpec fromJson(Map<String, Object> root, String source) {
        List<String> problems = new ArrayList<>();
        Object format = root.get("format");
        if (!(format instanceof String)) {
            problems.add("missing \"format\": \"" + ModelSpec.FORMAT + "\"");
            format = "";
        } else if (!SpecLowering.FORMATS.contains(format)) {
            problems.add("format '" + format + "' is not supported (this version reads " + String.join(", ", new java.util.TreeSet<>(SpecLowering.FORMATS)) + ")");
        }
        List<InputSpec> inputs = new ArrayList<>();
        Object ins = root.get("inputs");
        if (!(ins instanceof List<?> inList) || inList.isEmpty()) {
            problems.add("\"inputs\" must be a non-empty list of {name, shape, dtype}");
        } else {
            for (int i = 0; i < inList.size(); i++) {
                InputSpec in = input(inList.get(i), i, source, problems);
                if (in != null) inputs.add(in);
            }
        }
        List<NodeSpec> nodes = new ArrayList<>();
        Object ns = root.get("nodes");
        if (!(ns instanceof List<?> nodeList) || nodeList.isEmpty()) {
            problems.add("\"nodes\" must be a non-empty list of modules");
        } else {
            for (int i = 0; i < nodeList.size(); i++) {
                NodeSpec n = node(nodeList.get(i), i, problems);
                if (n != null) nodes.add(n);
            }
        }
        List<String> outputs = names(root.get("outputs"), "\"outputs\"", problems);
        List<String> labels = new ArrayList<>();
        Object lab = root.get("labels");
        if (lab != null) {
            if (lab instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) {
                for (Object o : l) labels.add((String) o);
            } else {
                problems.add("\"labels\" must be a list of strings");
            }
        }
        if (!problems.isEmpty()) throw new ModelSpecException(source, problems);
        Map<String, Object> extras = new LinkedHashMap<>(root);
        for (String k : List.of("format", "inputs", "nodes", "outputs", "labels")) extras.remove(k);
        return new ModelSpec((String) format, inputs, nodes, outputs, labels, extras);
    }

    private static InputSpec input(Object o, int i, String source, List<String> problems) {
        String where = "input " + i;
        if (!(o instanceof Map<?, ?> m)) {
            problems.add(where + ": must be an object {name, shape, dtype}");
            return null;
        }
        Object name = m.get("name");
        if (!(name instanceof String s) || s.isEmpty()) {
            problems.add(where + ": \"name\" must be a non-empty string");
            return null;
        }
        where = "input '" + name + "'";
        Object shape = m.get("shape");
        long[] dims = null;
        if (shape instanceof List<?> l) {
            dims = new long[l.size()];
            for (int k = 0; k < dims.length; k++) {
                if (l.get(k) instanceof Long d && d >= -1) {
                    dims[k] = d;
                } else if (l.get(k) == null) {
                    dims[k] = -1;
                } else {
                    problems.add(where + ": shape dimensions must be integers ≥ 0, or -1 for a free dimension, got " + l.get(k));
                    return null;
                }
            }
        } else {
            problems.add(where + ": \"shape\" must be a list of dimensions (-1 = free)");
            return null;
        }
        DType dtype = DType.F32;
        Object dt = m.get("dtype");
        if (dt != null) {
            dtype = dt instanceof String s2 ? DType.fromName(s2.toUpperCase(java.util.Locale.ROOT)) : null;
            if (dtype == null || !(dtype == DType.F32 || dtype == DType.I64 || dtype == DType.I32 || dtype == DType.F16 || dtype == DType.BF16)) {
                problems.add(where + ": dtype " + dt + " is not an input type (F32, F16, BF16, I32, I64)");
                return null;
            }
        }
        Map<String, Object> extras = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (!INPUT_KEYS.contains((String) k)) extras.put((String) k, v);
        });
        InputSpec spec = new InputSpec(s, dims, dtype, extras);
        if (ImageInput.isImage(spec)) {
            // the preprocessing is part of the model: a malformed one is refused at load, not at the first image
            try {
                ImageInput.of(spec, source);
            } catch (ModelSpecException e) {
                problems.addAll(e.problems());
            }
        }
        return spec;
    }

    private static NodeSpec node(Object o, int i, List<String> problems) {
        if (!(o instanceof Map<?, ?> raw)) {
            problems.add("node " + i + ": must be an object with \"op\"");
            return null;
        }
        @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) raw;
        Object op = m.get("op");
        if (!(op instanceof String opName) || opName.isEmpty()) {
            problems.add("node " + i + ": \"op\" must be the torch.nn class name, e.g. \"Conv2d\"");
            return null;
        }
        Object name = m.get("name");
        if (name != null && !(name instanceof String)) {
            problems.add("node " + i + " (" + op + "): \"name\" must be a string (the module's prefix in the state dict)");
            return null;
        }
        String label = "node " + i + (name != null ? " '" + name + "'" : "") + " (" + op + ")";
        if (m.containsKey("input") && m.containsKey("inputs")) problems.add(label + ": give \"input\" or \"inputs\", not both");
        if (m.containsKey("output") && m.containsKey("outputs")) problems.add(label + ": give \"output\" or \"outputs\", not both");
        List<String> inputs = names(m.containsKey("input") ? m.get("input") : m.get("inputs"), label + ": \"inputs\"", problems);
        List<String> outputs = names(m.containsKey("output") ? m.get("output") : m.get("outputs"), label + ": \"outputs\"", problems);
        Map<String, Object> args = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (!NODE_KEYS.contains(k)) args.put(k, v);
        });
        return new NodeSpec(i, opName, (String) name, inputs, outputs, args);
    }

    /** A value name or a list of them; null → empty. */
    private static List<String> names(Object v, String what, List<String> problems) {
        List<String> out = new ArrayList<>();
        if (v == null) return out;
        if (v instanceof String s) {
            out.add(s);
        } else if (v instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) {
            for (Object o : l) out.add((String) o);
        } else {
            problems.add(what + " must be a value name or a list of value names");
        }
        return out;
    }

    /** The spec as JSON (the inverse of {@link #read}), for writing models. */
    public static Map<String, Object> toJson(ModelSpec spec) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", spec.format());
        List<Object> ins = new ArrayList<>();
        for (InputSpec in : spec.inputs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", in.name());
            List<Object> shape = new ArrayList<>();
            for (long d : in.shape()) shape.add(d);
            m.put("shape", shape);
            m.put("dtype", in.dtype().name());
            m.putAll(in.extras());
            ins.add(m);
        }
        root.put("inputs", ins);
        if (!spec.labels().isEmpty()) root.put("labels", spec.labels());
        List<Object> nodes = new ArrayList<>();
        for (NodeSpec n : spec.nodes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("op", n.op());
            if (n.name() != null) m.put("name", n.name());
            if (!n.inputs().isEmpty()) m.put("inputs", n.inputs());
            if (!n.outputs().isEmpty()) m.put("outputs", n.outputs());
            m.putAll(n.args());
            nodes.add(m);
        }
        root.put("nodes", nodes);
        if (!spec.outputs().isEmpty()) root.put("outputs", spec.outputs());
        root.putAll(spec.extras());
        return root;
    }
}
