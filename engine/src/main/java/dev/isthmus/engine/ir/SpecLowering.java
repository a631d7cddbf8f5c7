package dev.isthmus.engine.ir;

import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.spec.InputSpec;
import dev.isthmus.engine.spec.ModelSpec;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The frontend of the {@code isthmus/1} and {@code isthmus/2} specs: lowers a spec and its weights into a
 * {@link Graph}, inferring every value's type on the way. Checks everything before anything runs and reports every
 * problem at once: unknown ops and arguments, values used before they are defined, missing, unexpected or
 * mis-shaped tensors, operands that cannot broadcast, shapes that cannot flow.
 */
public final class SpecLowering {
    /** The spec versions this frontend reads. */
    public static final Set<String> FORMATS = Set.of("isthmus/1", "isthmus/2");
    /** The name of the model's result when the spec names no outputs. */
    public static final String DEFAULT_OUTPUT = "output";

    private SpecLowering() {
    }

    /** The graph and the weights bound to it. */
    public record Lowered(Graph graph, Weights weights) {
    }

    /** Lowers {@code spec}; throws {@link ModelSpecException} listing every problem. */
    public static Lowered lower(ModelSpec spec, WeightSource source) {
        List<String> problems = new ArrayList<>();
        Weights weights = new Weights(source);
        if (!FORMATS.contains(spec.format())) {
            problems.add("format is '" + spec.format() + "', expected one of " + String.join(", ", new java.util.TreeSet<>(FORMATS)));
        }
        if (spec.inputs().isEmpty()) problems.add("the spec declares no inputs");
        Graph g = new Graph(spec.inputs());
        java.util.Set<String> seenInputs = new java.util.HashSet<>();
        for (InputSpec in : spec.inputs()) {
            if (!seenInputs.add(in.name())) problems.add("input '" + in.name() + "' is declared twice");
        }
        if (spec.nodes().isEmpty()) problems.add("the spec has no nodes");
        String prev = spec.inputs().isEmpty() ? null : spec.inputs().get(0).name();
        for (NodeSpec node : spec.nodes()) {
            prev = lowerNode(g, node, prev, weights, problems);
        }
        if (spec.outputs().isEmpty()) {
            if (prev != null && g.value(prev) != null) g.addOutput(DEFAULT_OUTPUT, g.value(prev));
        } else {
            for (String o : spec.outputs()) {
                Value v = g.value(o);
                if (v == null) problems.add("output '" + o + "' is not a value of the graph");
                else if (v.type() != null && !v.type().isTensor()) problems.add("output '" + o + "' is a size value, not a tensor");
                else g.addOutput(o, v);
            }
        }
        String labelProblem = labelCountProblem(spec, g);
        if (labelProblem != null) problems.add(labelProblem);
        problems.addAll(weights.finish());
        if (!problems.isEmpty()) throw new ModelSpecException(source.source(), problems, weights.unlisted());
        return new Lowered(g, weights);
    }

    /**
     * Labels name the classes of the first output's last dimension: when that size is known and differs (3 labels on a
     * 10-class model were printed as nonsense), the spec is refused; null when they agree or the size is free.
     */
    static String labelCountProblem(ModelSpec spec, Graph g) {
        if (spec.labels().isEmpty() || g.outputs().isEmpty()) return null;
        Value out = g.outputs().get(0);
        if (out.type() == null || !out.type().isTensor()) return null;
        long[] shape = out.type().shape();
        long classes = shape.length == 0 ? 1 : shape[shape.length - 1];
        if (classes < 0 || classes == spec.labels().size()) return null;
        return "labels: " + spec.labels().size() + " labels, but output '" + g.outputNames().get(0) + "' has " + classes
                + " classes (last dimension of " + dev.isthmus.engine.tensor.Shape.toString(shape) + ")";
    }

    /** Lowers one node; returns the name of its first result. */
    private static String lowerNode(Graph g, NodeSpec node, String prev, Weights weights, List<String> problems) {
        String label = node.label();
        List<String> names = new ArrayList<>(node.inputs().isEmpty() && prev != null && !"get_attr".equals(node.op())
                ? List.of(prev) : node.inputs());
        int explicit = names.size();
        List<String> refs = new ArrayList<>();
        for (Object v : node.args().values()) OpArgs.collectRefs(v, refs);
        names.addAll(refs);
        List<Value> in = new ArrayList<>();
        boolean typesKnown = true;
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            Value v = g.value(n);
            if (v == null) {
                problems.add(label + ": " + (i < explicit ? "input '" + n + "'" : "the reference {\"ref\": \"" + n + "\"} in its arguments")
                        + " is not defined before this node");
                typesKnown = false;
            } else {
                in.add(v);
                if (v.type() == null) typesKnown = false; // its producer failed; already reported
            }
        }
        Op op = null;
        OpRegistry.Factory f = OpRegistry.factory(node.op());
        if (f == null) {
            java.util.Set<String> ops = new java.util.TreeSet<>(OpRegistry.modules());
            ops.addAll(OpRegistry.functions());
            String near = closest(node.op(), ops, 0); // Conv3d is not a misspelt Conv2d
            problems.add(label + ": unknown op '" + node.op() + "'" + (near != null ? "; did you mean '" + near + "'?"
                    : " (modules: " + String.join(", ", OpRegistry.modules()) + "; functions: " + String.join(", ", OpRegistry.functions()) + ")"));
            claimUnbound(node, weights, Character.isUpperCase(node.op().isEmpty() ? 'x' : node.op().charAt(0)));
        } else {
            OpArgs args = new OpArgs(node, refs, explicit);
            try {
                op = f.create(args, weights);
                List<String> unknown = args.unknown();
                if (!unknown.isEmpty()) {
                    boolean many = unknown.size() > 1;
                    List<String> hints = new ArrayList<>();
                    for (String u : unknown) {
                        String near = closest(u, args.asked(), 2);
                        if (near != null) hints.add(many ? near + " for " + u : near);
                    }
                    problems.add(label + ": unknown argument" + (many ? "s " : " ") + String.join(", ", unknown)
                            + (OpRegistry.isModule(node.op())
                            ? (many ? ", not constructor arguments of torch.nn." : ", not a constructor argument of torch.nn.") + node.op()
                            : (many ? ", not arguments of " : ", not an argument of ") + node.op())
                            + (hints.isEmpty() ? "" : " (did you mean " + String.join(", ", hints) + "?)"));
                }
            } catch (IllegalArgumentException e) {
                problems.add(label + ": " + e.getMessage());
                op = null;
                claimUnbound(node, weights, OpRegistry.isModule(node.op()));
            }
        }
        List<ValueType> outTypes = null;
        if (op != null && typesKnown) {
            List<ValueType> types = new ArrayList<>();
            for (Value v : in) types.add(v.type());
            try {
                outTypes = op.infer(types);
            } catch (IllegalArgumentException | ArithmeticException e) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < in.size(); i++) {
                    Value v = in.get(i);
                    b.append(i == 0 ? "" : ", ").append(i < explicit ? "" : "reference ").append("'").append(v.name()).append("' ").append(v.type());
                }
                problems.add(label + ": input " + b + ": " + e.getMessage());
            }
        }
        int results = outTypes != null ? outTypes.size() : Math.max(1, node.outputs().size());
        if (node.outputs().size() > results) {
            problems.add(label + ": names " + node.outputs().size() + " outputs, the op has " + results);
            // the extra names are still defined (without a type), so that their readers are not reported as well
            List<ValueType> padded = new ArrayList<>(outTypes);
            while (padded.size() < node.outputs().size()) padded.add(null);
            outTypes = padded;
            results = padded.size();
        }
        List<String> outs = new ArrayList<>();
        for (int k = 0; k < results; k++) {
            String name = k < node.outputs().size() ? node.outputs().get(k) : "node" + node.index() + (k == 0 ? "" : ":" + k);
            if (g.defines(name)) {
                problems.add(label + ": value '" + name + "' is already defined");
                name = name + "#" + node.index();
            }
            outs.add(name);
        }
        g.add(op, label, in, outs, outTypes);
        return outs.get(0);
    }

    /**
     * A node that could not be built has not claimed its parameters, and which tensors they are is not known: none of
     * them is reported as unexpected as well (only the node's own problem is real). A named node's parameters are
     * those under its name; an unnamed module's (a state dict of that one module: {@code weight}, {@code bias},
     * {@code weight_ih_l0}) are the top-level names, those without a dot. A function (lowercase, as PyTorch names
     * them) has no parameters.
     *
     * @param module whether the node is, or looks like (an unknown op named in CamelCase), a {@code torch.nn} module
     */
    private static void claimUnbound(NodeSpec node, Weights weights, boolean module) {
        if (node.name() != null && !node.name().isEmpty()) weights.acceptPrefix(node.name() + ".");
        else if (module) weights.acceptTopLevel();
    }

    /**
     * The name among {@code names} that {@code s} is most likely a misspelling of: the same but for case and
     * underscores, a prefix of it (or it of {@code s}) of 4 letters or more, or at most {@code maxEdits} edits away;
     * null if none.
     */
    static String closest(String s, java.util.Collection<String> names, int maxEdits) {
        String key = s.toLowerCase(java.util.Locale.ROOT).replace("_", "");
        String best = null;
        int bestDistance = Math.max(1, maxEdits) + 1;
        for (String n : names) {
            String k = n.toLowerCase(java.util.Locale.ROOT).replace("_", "");
            int d = k.equals(key) ? 0 : (Math.min(k.length(), key.length()) >= 4 && (k.startsWith(key) || key.startsWith(k))) ? 1
                    : maxEdits == 0 ? Integer.MAX_VALUE : edits(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = n;
            }
        }
        return best;
    }

    /** Levenshtein distance. */
    private static int edits(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** A shape list for messages. */
    static String shapes(List<long[]> s) {
        StringBuilder b = new StringBuilder();
        for (long[] x : s) b.append(b.isEmpty() ? "" : ", ").append(Shape.toString(x));
        return b.toString();
    }
}
