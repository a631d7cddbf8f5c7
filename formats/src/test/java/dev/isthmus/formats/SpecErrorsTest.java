package dev.isthmus.formats;

import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.errors.ModelFormatException;
import dev.isthmus.engine.errors.ModelSpecException;
import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad specs: every problem of a spec in ONE {@link ModelSpecException}, each naming its node ({@code node 3 'fc'
 * (Linear)}) and the rule, and no problem that is only a consequence of another (no "unknown argument" or
 * "unexpected tensor" after a failed node, no reader of a failed node's result). Inputs that break a rule only known
 * at run time are {@link InvalidInputException}s naming the node. Nothing else is ever thrown. Specs are written with
 * single quotes for readability.
 */
class SpecErrorsTest {
    @TempDir
    Path dir;

    private int files;

    /** A self-contained model file: the weights and the spec in the metadata. */
    private Path model(String spec, Map<String, Tensor> weights) {
        Path p = dir.resolve("model" + files++ + ".safetensors");
        SafetensorsWriter.write(p, weights, Map.of(ModelLoader.SPEC_KEY, spec.replace('\'', '"')));
        return p;
    }

    /** The problems of a spec that must not load. */
    private List<String> problems(String spec, Map<String, Tensor> weights) {
        Path p = model(spec, weights);
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(p, 1).close());
        List<String> listed = e.problems().subList(0, Math.min(ModelSpecException.LISTED, e.problems().size()));
        assertEquals(e.problems().size() == 1 ? e.problems().get(0) : e.problems().size() + " problems: " + String.join("; ", listed)
                        + (e.problems().size() > ModelSpecException.LISTED ? "; … and " + (e.problems().size() - ModelSpecException.LISTED) + " more" : ""),
                e.getMessage().substring(e.getMessage().indexOf(": ") + 2), "the message lists the first problems and counts the rest");
        return e.problems();
    }

    /**
     * The problems are exactly these, in any order: each expected problem is given by fragments one problem contains
     * (the node's label, the rule); a problem not expected is a false one.
     */
    private static void assertProblems(List<String> actual, String[]... expected) {
        List<String> left = new ArrayList<>(actual);
        List<String> missing = new ArrayList<>();
        for (String[] want : expected) {
            String hit = null;
            for (String p : left) {
                boolean all = true;
                for (String fragment : want) all &= p.contains(fragment);
                if (all) {
                    hit = p;
                    break;
                }
            }
            if (hit == null) missing.add(String.join(" … ", want));
            else left.remove(hit);
        }
        if (!missing.isEmpty() || !left.isEmpty()) {
            fail("missing problems " + missing + "; unexpected problems " + left + "\nall problems:\n  " + String.join("\n  ", actual));
        }
    }

    private static String[] p(String... fragments) {
        return fragments;
    }

    static Tensor f(long... shape) {
        return Tensor.ofFloats(new float[Math.toIntExact(Shape.numel(shape))], shape);
    }

    static Tensor ids(long... values) {
        return Tensor.ofLongs(values, values.length);
    }

    @SafeVarargs
    static Map<String, Tensor> weights(Map.Entry<String, Tensor>... es) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (var e : es) m.put(e.getKey(), e.getValue());
        return m;
    }

    static Map.Entry<String, Tensor> w(String name, Tensor t) {
        return Map.entry(name, t);
    }

    // ---- load: one exception, every problem ---------------------------------------------------------------------

    @Test
    void aMillionLayersWithoutTensorsIsRefusedBeforeAnyIsLookedUp() {
        // a 300-byte spec: 4,000,000 missing tensors made as many messages (20 s, 4 GB) and a 300 MB error line
        Path p = model("{'format':'isthmus/1','inputs':[{'name':'x','shape':[-1,-1,3],'dtype':'F32'}],'nodes':[{'op':'GRU',"
                + "'name':'gru','input_size':3,'hidden_size':32,'num_layers':1000000,'batch_first':true,'outputs':['seq','h_n']}]}", Map.of());
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(p, 1).close());
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("num_layers 1000000 needs at least 4000000 weight tensors; " + p + " holds 0"), e.getMessage());
    }

    @Test
    void aHuggingFaceConfigClaimingMoreLayersThanItsWeightsHoldIsRefusedBeforeTheSpecIsBuilt() throws Exception {
        // num_hidden_layers 1,000,000 beside an empty weights file built millions of nodes for 105 s, then ran out of memory
        for (String[] c : new String[][]{{"BertForSequenceClassification", "num_hidden_layers"}, {"DistilBertModel", "n_layers"}}) {
            Path hf = java.nio.file.Files.createDirectories(dir.resolve("hf-" + c[1]));
            SafetensorsWriter.write(hf.resolve("model.safetensors"), Map.of("x", Tensor.ofFloats(new float[]{1}, new long[]{1})), Map.of());
            java.nio.file.Files.writeString(hf.resolve("config.json"), "{\"architectures\": [\"" + c[0] + "\"], \"" + c[1] + "\": 1000000}");
            dev.isthmus.engine.errors.ModelFormatException e = assertThrows(dev.isthmus.engine.errors.ModelFormatException.class,
                    () -> ModelLoader.load(hf, 1).close());
            assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("\"" + c[1] + "\" is 1000000: that many encoder "
                    + "layers need at least 16000000 weight tensors, and the weights file holds 1"), e.getMessage());
        }
    }

    @Test
    void albertsSharedLayersAreBoundedByTheirGroupsAndByACapNotByTheFile() throws Exception {
        Path hf = java.nio.file.Files.createDirectories(dir.resolve("hf-albert"));
        Map<String, Tensor> w = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 16; i++) w.put("t" + i, Tensor.ofFloats(new float[]{1}, new long[]{1}));
        SafetensorsWriter.write(hf.resolve("model.safetensors"), w, Map.of());
        String[][] cases = {
                {"\"num_hidden_groups\": 1000000", "\"num_hidden_groups\" × \"inner_group_num\" is 1000000: that many distinct encoder layers "
                        + "need at least 16000000 weight tensors, and the weights file holds 16"},
                {"\"inner_group_num\": 2", "is 2: that many distinct encoder layers need at least 32 weight tensors"},
                {"\"num_hidden_layers\": 1000000", "\"num_hidden_layers\" 1000000 × \"inner_group_num\" 1 shared layers to apply: more than "
                        + dev.isthmus.formats.hf.HfModels.MAX_SHARED_LAYERS + " is refused"}};
        for (String[] c : cases) {
            java.nio.file.Files.writeString(hf.resolve("config.json"), "{\"architectures\": [\"AlbertModel\"], " + c[0] + "}");
            long t0 = System.nanoTime();
            dev.isthmus.engine.errors.ModelFormatException e = assertThrows(dev.isthmus.engine.errors.ModelFormatException.class,
                    () -> ModelLoader.load(hf, 1).close());
            assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains(c[1]), e.getMessage());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "refused before anything big is built");
        }
        // 12 passes through one shared layer: 16 tensors are enough (the error is then about their names, not their number)
        java.nio.file.Files.writeString(hf.resolve("config.json"), "{\"architectures\": [\"AlbertModel\"], \"num_hidden_layers\": 12, "
                + "\"hidden_size\": 8, \"num_attention_heads\": 2, \"intermediate_size\": 8, \"embedding_size\": 4, \"vocab_size\": 5}");
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(hf, 1).close());
        String ffn = "missing tensor 'encoder.albert_layer_groups.0.albert_layers.0.ffn.weight' of shape [8, 8]";
        assertEquals(1, e.problems().stream().filter(p -> p.endsWith(ffn)).count(), "named once for 12 passes: " + e.problems());
    }

    @Test
    void labelsMustNameEveryClassOfTheFirstOutput() {
        // 3 labels on a 10-class model were accepted and printed as nonsense
        Map<String, Tensor> w = Map.of("fc.weight", Tensor.ofFloats(new float[40], new long[]{10, 4}), "fc.bias", Tensor.ofFloats(new float[10], new long[]{10}));
        String nodes = "'nodes':[{'op':'Linear','name':'fc','in_features':4,'out_features':10}]";
        Path bad = model("{'format':'isthmus/1','inputs':[{'name':'x','shape':[-1,4],'dtype':'F32'}]," + nodes + ",'labels':['a','b','c']}", w);
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(bad, 1).close());
        assertEquals(List.of("labels: 3 labels, but output 'output' has 10 classes (last dimension of [?, 10])"), e.problems());
        StringBuilder ten = new StringBuilder();
        for (int i = 0; i < 10; i++) ten.append(i == 0 ? "" : ",").append("'c").append(i).append("'");
        Path good = model("{'format':'isthmus/1','inputs':[{'name':'x','shape':[-1,4],'dtype':'F32'}]," + nodes + ",'labels':[" + ten + "]}", w);
        try (var m = ModelLoader.load(good, 1)) {
            assertEquals(10, m.labels().size());
        }
    }

    @Test
    void manyProblemsAreKeptUpToABoundAndTheMessageCountsTheRest() {
        // 600 Linear layers and no tensors: 1,200 missing tensors, none of them a size the file could not hold
        StringBuilder nodes = new StringBuilder();
        for (int i = 0; i < 600; i++) nodes.append(i == 0 ? "" : ",").append("{'op':'Linear','name':'fc").append(i).append("','in_features':4,'out_features':4}");
        Path p = model("{'format':'isthmus/1','inputs':[{'name':'x','shape':[-1,4],'dtype':'F32'}],'nodes':[" + nodes + "]}", Map.of());
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(p, 1).close());
        assertEquals(dev.isthmus.engine.ir.Weights.MAX_PROBLEMS, e.problems().size(), "kept at most MAX_PROBLEMS");
        assertTrue(e.getMessage().contains(": 1200 problems: node 0 'fc0' (Linear): missing tensor 'fc0.weight' of shape [4, 4]"),
                e.getMessage().substring(0, 300));
        assertTrue(e.getMessage().endsWith("; … and 1190 more"), e.getMessage().substring(e.getMessage().length() - 100));
        assertTrue(e.getMessage().length() < 2000, e.getMessage().length() + " characters");
    }

    @Test
    void unknownOpsFunctionsAndArguments() {
        List<String> ps = problems("{'format': 'isthmus/2', 'inputs': [{'name': 'x', 'shape': [-1, 4], 'dtype': 'F32'}], 'nodes': ["
                + "{'op': 'Conv3d', 'name': 'c', 'in_channels': 3, 'out_channels': 2, 'kernel_size': 3, 'inputs': ['x'], 'outputs': ['a']},"
                + "{'op': 'frobnicate', 'inputs': ['a'], 'outputs': ['b']},"
                + "{'op': 'add', 'inputs': ['x'], 'other': 1.0, 'beta': 2, 'outputs': ['d']},"
                + "{'op': 'Linear', 'name': 'fc', 'in_features': 4, 'out_features': 3, 'bias_init': 0, 'inputs': ['d'], 'outputs': ['e']},"
                + "{'op': 'relu', 'inputs': ['b'], 'outputs': ['f']},"
                + "{'op': 'MaxPool1d', 'kernel_size': 2, 'count_include_pad': false, 'inputs': ['x'], 'outputs': ['g']}],"
                + "'outputs': ['e', 'f', 'g']}",
                weights(w("c.weight", f(2, 3, 3, 3, 3)), w("fc.weight", f(3, 4)), w("fc.bias", f(3))));
        assertProblems(ps,
                p("node 0 'c' (Conv3d): unknown op 'Conv3d'", "Conv1d, Conv2d"),
                p("node 1 (frobnicate): unknown op 'frobnicate'", "functions: abs"),
                p("node 2 (add): unknown argument beta, not an argument of add"),
                p("node 3 'fc' (Linear): unknown argument bias_init, not a constructor argument of torch.nn.Linear (did you mean bias?)"),
                p("node 5 (MaxPool1d): unknown argument count_include_pad, not a constructor argument of torch.nn.MaxPool1d"));
    }

    @Test
    void misspeltNamesGetASuggestion() {
        List<String> ps = problems("{'format': 'isthmus/2', 'inputs': [{'name': 'x', 'shape': [2, 3, 8], 'dtype': 'F32'}], 'nodes': ["
                + "{'op': 'conv1d', 'name': 'c', 'in_channels': 3, 'out_channels': 2, 'kernel': 3, 'inputs': ['x'], 'outputs': ['a']},"
                + "{'op': 'Conv1d', 'name': 'c2', 'in_channels': 3, 'out_channels': 2, 'kernel_size': 3, 'stide': 2, 'inputs': ['x'],"
                + " 'outputs': ['b']},"
                + "{'op': 'softmax', 'dims': 1, 'dim': 1, 'inputs': ['x'], 'outputs': ['d']},"
                + "{'op': 'Relu', 'inputs': ['x'], 'outputs': ['e']}], 'outputs': ['a', 'b', 'd', 'e']}",
                weights(w("c.weight", f(2, 3, 3)), w("c.bias", f(2)), w("c2.weight", f(2, 3, 3)), w("c2.bias", f(2))));
        assertProblems(ps,
                p("node 0 'c' (conv1d): unknown op 'conv1d'; did you mean 'Conv1d'?"),
                p("node 1 'c2' (Conv1d): unknown argument stide, not a constructor argument of torch.nn.Conv1d (did you mean stride?)"),
                p("node 2 (softmax): unknown argument dims, not an argument of softmax (did you mean dim?)"),
                p("node 3 (Relu): unknown op 'Relu'; did you mean 'ReLU'?"));
    }

    @Test
    void argumentsOfTheWrongType() {
        List<String> ps = problems("{'format': 'isthmus/2', 'inputs': [{'name': 'x', 'shape': [2, 4, 5], 'dtype': 'F32'}], 'nodes': ["
                + "{'op': 'Linear', 'name': 'fc', 'in_features': '5', 'out_features': 3, 'inputs': ['x'], 'outputs': ['a']},"
                + "{'op': 'transpose', 'dim0': 1.5, 'dim1': 0, 'inputs': ['x'], 'outputs': ['b']},"
                + "{'op': 'softmax', 'dim': [1], 'inputs': ['x'], 'outputs': ['c']},"
                + "{'op': 'leaky_relu', 'negative_slope': 'x', 'inputs': ['x'], 'outputs': ['d']},"
                + "{'op': 'getitem', 'index': {'foo': 1}, 'inputs': ['x'], 'outputs': ['e']},"
                + "{'op': 'Conv1d', 'name': 'c', 'in_channels': 4, 'out_channels': 2, 'kernel_size': 3, 'padding': 'circular',"
                + " 'inputs': ['x'], 'outputs': ['f']},"
                + "{'op': 'view', 'shape': [2, 'a'], 'inputs': ['x'], 'outputs': ['g']},"
                + "{'op': 'gelu', 'approximate': 'fast', 'inputs': ['x'], 'outputs': ['h']},"
                + "{'op': 'mean', 'dim': 0, 'keepdim': 'yes', 'inputs': ['x'], 'outputs': ['i']},"
                + "{'op': 'Linear', 'name': 'fc2', 'in_features': {'ref': 'x'}, 'out_features': 3, 'inputs': ['x'], 'outputs': ['j']},"
                + "{'op': 'relu', 'inputs': ['a'], 'outputs': ['k']}], 'outputs': ['k']}",
                weights(w("fc.weight", f(3, 5)), w("fc.bias", f(3)), w("c.weight", f(2, 4, 3)), w("c.bias", f(2)),
                        w("fc2.weight", f(3, 5)), w("fc2.bias", f(3))));
        assertProblems(ps,
                p("node 0 'fc' (Linear): argument 'in_features' must be an integer, got \"5\""),
                p("node 1 (transpose): argument 'dim0' must be an integer, got 1.5"),
                p("node 2 (softmax): argument 'dim' must be an integer, got [1]"),
                p("node 3 (leaky_relu): argument 'negative_slope' must be a number, got \"x\""),
                p("node 4 (getitem): index item {\"foo\": 1} is not supported"),
                p("node 5 'c' (Conv1d): argument 'padding' must be an int, a tuple, 'same' or 'valid', got 'circular'"),
                p("node 6 (view): argument 'shape' must be an integer, got \"a\""),
                p("node 7 (gelu): argument 'approximate' must be one of none, tanh, got 'fast'"),
                p("node 8 (mean): argument 'keepdim' must be true or false, got \"yes\""),
                p("node 9 'fc2' (Linear): argument 'in_features' must be an integer, got a reference to a size value"));
    }

    @Test
    void aLayerWithInvalidArgumentsIsOneProblem() {
        // each layer's own problem only: no "unknown argument" for the argument that could not be read, no "unexpected
        // tensor" for the weights of the layer that was not built, no reader of its result
        List<String> ps = problems("{'format': 'isthmus/1', 'inputs': [{'name': 'x', 'shape': [-1, 1, 8, 8], 'dtype': 'F32'},"
                + " {'name': 's', 'shape': [-1, 5, 4], 'dtype': 'F32'}], 'nodes': ["
                + "{'op': 'Conv2d', 'name': 'conv1', 'in_channels': 1, 'out_channels': 2, 'kernel_size': 3, 'padding': -1, 'inputs': ['x'],"
                + " 'outputs': ['a']},"
                + "{'op': 'ReLU', 'inputs': ['a'], 'outputs': ['a2']},"
                + "{'op': 'Conv2d', 'name': 'conv2', 'in_channels': 1, 'out_channels': 2, 'kernel_size': 3, 'padding': 'x', 'stride': 1,"
                + " 'inputs': ['x'], 'outputs': ['b']},"
                + "{'op': 'Conv2d', 'name': 'conv3', 'in_channels': 1, 'out_channels': 2, 'kernel_size': 0, 'padding': [1, 1], 'inputs': ['x'],"
                + " 'outputs': ['c']},"
                + "{'op': 'Conv1d', 'name': 'conv4', 'in_channels': 5, 'out_channels': 2, 'kernel_size': [3], 'padding': [-2],"
                + " 'dilation': 1, 'inputs': ['s'], 'outputs': ['d']},"
                + "{'op': 'Linear', 'name': 'fc', 'in_features': 4, 'out_features': -3, 'bias': true, 'inputs': ['s'], 'outputs': ['e']},"
                + "{'op': 'MaxPool2d', 'kernel_size': 0, 'stride': 1, 'padding': 1, 'inputs': ['x'], 'outputs': ['f']},"
                + "{'op': 'AvgPool1d', 'kernel_size': 'two', 'stride': 1, 'padding': 0, 'inputs': ['s'], 'outputs': ['g']},"
                + "{'op': 'GRU', 'name': 'gru', 'input_size': 4, 'hidden_size': 0, 'num_layers': 1, 'batch_first': true, 'inputs': ['s'],"
                + " 'outputs': ['h', 'hn']},"
                + "{'op': 'LSTM', 'name': 'lstm', 'input_size': 'four', 'hidden_size': 2, 'bidirectional': true, 'inputs': ['s'],"
                + " 'outputs': ['i', 'in', 'ic']}],"
                + "'outputs': ['a2', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']}",
                weights(w("conv1.weight", f(2, 1, 3, 3)), w("conv1.bias", f(2)), w("conv2.weight", f(2, 1, 3, 3)), w("conv2.bias", f(2)),
                        w("conv3.weight", f(2, 1, 3, 3)), w("conv3.bias", f(2)), w("conv4.weight", f(2, 5, 3)), w("conv4.bias", f(2)),
                        w("fc.weight", f(3, 4)), w("fc.bias", f(3)), w("gru.weight_ih_l0", f(6, 4)), w("gru.weight_hh_l0", f(6, 2)),
                        w("gru.bias_ih_l0", f(6)), w("gru.bias_hh_l0", f(6)), w("lstm.weight_ih_l0", f(8, 4)),
                        w("lstm.weight_hh_l0", f(8, 2)), w("lstm.weight_ih_l0_reverse", f(8, 4)), w("lstm.weight_hh_l0_reverse", f(8, 2))));
        assertProblems(ps,
                p("node 0 'conv1' (Conv2d): padding must be non-negative"),
                p("node 2 'conv2' (Conv2d): argument 'padding' must be an int, a tuple, 'same' or 'valid', got 'x'"),
                p("node 3 'conv3' (Conv2d): kernel_size, stride and dilation must be positive"),
                p("node 4 'conv4' (Conv1d): padding must be non-negative"),
                p("node 5 'fc' (Linear)", "out_features"),
                p("node 6 (MaxPool2d)", "kernel_size"),
                p("node 7 (AvgPool1d): argument 'kernel_size' must be an int", "got \"two\""),
                p("node 8 'gru' (GRU)", "must be positive"),
                p("node 9 'lstm' (LSTM): argument 'input_size' must be an integer, got \"four\""));
    }

    @Test
    void anUnnamedModuleThatFailsLeavesTheFilesTensorsUnreported() {
        // a spec of one bare module reads its parameters as 'weight' and 'bias': when it cannot be built, they were
        // reported as unexpected tensors beside its own problem
        Map<String, Tensor> conv = weights(w("weight", f(2, 1, 3, 3)), w("bias", f(2)));
        String x = "'inputs': [{'name': 'x', 'shape': [-1, 1, 8, 8], 'dtype': 'F32'}]";
        assertProblems(problems("{'format': 'isthmus/1', " + x + ", 'nodes': [{'op': 'Conv2d', 'in_channels': 1, 'out_channels': 2,"
                + " 'kernel_size': 3, 'padding': -1}]}", conv), p("node 0 (Conv2d): padding must be non-negative"));
        assertProblems(problems("{'format': 'isthmus/1', " + x + ", 'nodes': [{'op': 'Conv2d', 'name': '', 'in_channels': 1,"
                + " 'out_channels': 2, 'kernel_size': 'three'}]}", conv), p("node 0 '' (Conv2d): argument 'kernel_size' must be an int"));
        assertProblems(problems("{'format': 'isthmus/1', " + x + ", 'nodes': [{'op': 'Conv3d', 'in_channels': 1, 'out_channels': 2,"
                + " 'kernel_size': 3}]}", conv), p("node 0 (Conv3d): unknown op 'Conv3d'"));
        // a module's parameters are the file's top-level names: a tensor under another name is still unexpected
        Map<String, Tensor> stray = weights(w("weight", f(2, 1, 3, 3)), w("bias", f(2)), w("stray.weight", f(2)));
        assertProblems(problems("{'format': 'isthmus/1', " + x + ", 'nodes': [{'op': 'Conv2d', 'in_channels': 1, 'out_channels': 2,"
                + " 'kernel_size': 3, 'padding': -1}]}", stray), p("node 0 (Conv2d): padding must be non-negative"),
                p("unexpected tensor 'stray.weight'"));
        // a function has no parameters: a tensor beside a failed one is still unexpected
        assertProblems(problems("{'format': 'isthmus/1', " + x + ", 'nodes': [{'op': 'softmax', 'dim': 'x'}]}", conv),
                p("node 0 (softmax): argument 'dim' must be an integer"), p("unexpected tensor 'weight'"), p("unexpected tensor 'bias'"));
    }

    @Test
    void missingExtraAndMisshapedTensors() {
        List<String> ps = problems("{'format': 'isthmus/2', 'inputs': [{'name': 'x', 'shape': [-1, 4], 'dtype': 'F32'},"
                + " {'name': 'ids', 'shape': [-1], 'dtype': 'I64'}], 'nodes': ["
                + "{'op': 'Linear', 'name': 'fc', 'in_features': 4, 'out_features': 3, 'inputs': ['x'], 'outputs': ['a']},"
                + "{'op': 'Linear', 'name': 'fc2', 'in_features': 4, 'out_features': 3, 'inputs': ['x'], 'outputs': ['b']},"
                + "{'op': 'BatchNorm1d', 'name': 'bn', 'num_features': 4, 'inputs': ['x'], 'outputs': ['c']},"
                + "{'op': 'get_attr', 'name': 'table', 'outputs': ['k']},"
                + "{'op': 'add', 'inputs': ['x', 'k'], 'outputs': ['kk']},"
                + "{'op': 'Embedding', 'name': 'emb', 'num_embeddings': 6, 'embedding_dim': 2, 'inputs': ['ids'], 'outputs': ['e']},"
                + "{'op': 'LSTM', 'name': 'lstm', 'input_size': 4, 'hidden_size': 2, 'inputs': ['a'], 'outputs': ['o', 'h', 'cc']}],"
                + "'outputs': ['a', 'b', 'c', 'kk', 'e', 'o']}",
                weights(w("fc.weight", f(3, 5)), w("fc.bias", f(3)), w("fc2.weight", f(3, 4)), w("stray.weight", f(2)),
                        w("bn.weight", f(4)), w("bn.bias", f(4)), w("bn.running_mean", f(4)), w("bn.running_var", ids(1, 1, 1, 1)),
                        w("bn.num_batches_tracked", ids(3)), w("emb.weight", f(5, 2)), w("lstm.weight_ih_l0", f(8, 4)),
                        w("lstm.weight_hh_l0", f(8, 2)), w("lstm.bias_ih_l0", f(8)), w("lstm.bias_hh_l0", f(8)),
                        w("lstm.weight_ih_l1", f(8, 2))));
        assertProblems(ps,
                p("node 0 'fc' (Linear): tensor 'fc.weight' has shape [3, 5], the arguments need [3, 4]"),
                p("node 1 'fc2' (Linear): missing tensor 'fc2.bias' of shape [3]"),
                p("node 2 'bn' (BatchNorm1d): tensor 'bn.running_var' is I64, a floating-point type is needed"),
                p("node 3 'table' (get_attr): no tensor 'table' in the weights"),
                p("node 5 'emb' (Embedding): tensor 'emb.weight' has shape [5, 2], the arguments need [6, 2]"),
                p("node 6 'lstm' (LSTM): input 'a' F32[?, 3]", "expects input_size (the last dimension) = 4"),
                p("unexpected tensor 'lstm.weight_ih_l1' (no node uses it)"),
                p("unexpected tensor 'stray.weight' (no node uses it)"));
    }

    @Test
    void chunkingAScalarIsAProblemNotACrash() {
        // getitem [0, 0] of a matrix is a scalar; chunk and split of it threw ArrayIndexOutOfBoundsException at load
        List<String> ps = problems("{'format': 'isthmus/2', 'inputs': [{'name': 'x', 'shape': [3, 4], 'dtype': 'F32'}], 'nodes': ["
                + "{'op': 'getitem', 'index': [0, 0], 'inputs': ['x'], 'outputs': ['s']},"
                + "{'op': 'chunk', 'chunks': 2, 'inputs': ['s'], 'outputs': ['a', 'b']},"
                + "{'op': 'split', 'split_size_or_sections': 1, 'inputs': ['s'], 'outputs': ['c']}],"
                + "'outputs': ['a', 'c']}", weights());
        assertProblems(ps,
                p("node 1 (chunk)", "chunk needs a tensor of at least one dimension, got a scalar"),
                p("node 2 (split)", "split needs a tensor of at least one dimension, got a scalar"));
    }

    @Test
    void shapesThatCannotFlow() {
        List<String> ps = problems("{'format': 'isthmus/2', 'inputs': [{'name': 'x', 'shape': [3, 4], 'dtype': 'F32'},"
                + " {'name': 'y', 'shape': [5], 'dtype': 'F32'}, {'name': 'z', 'shape': [-1, 4], 'dtype': 'F32'},"
                + " {'name': 's', 'shape': [2, 4, 6], 'dtype': 'F32'}, {'name': 'i', 'shape': [3, 5], 'dtype': 'F32'}], 'nodes': ["
                + "{'op': 'add', 'inputs': ['x', 'y'], 'outputs': ['a']},"
                + "{'op': 'view', 'shape': [5, -1], 'inputs': ['x'], 'outputs': ['b']},"
                + "{'op': 'matmul', 'inputs': ['x', 'x'], 'outputs': ['c']},"
                + "{'op': 'cat', 'inputs': ['x', 'i'], 'outputs': ['d']},"
                + "{'op': 'getitem', 'index': [0, 5], 'inputs': ['x'], 'outputs': ['e']},"
                + "{'op': 'chunk', 'chunks': 2, 'inputs': ['z'], 'outputs': ['f0', 'f1']},"
                + "{'op': 'Conv1d', 'name': 'conv', 'in_channels': 3, 'out_channels': 2, 'kernel_size': 3, 'inputs': ['s'], 'outputs': ['g']},"
                + "{'op': 'MaxPool1d', 'kernel_size': 8, 'inputs': ['s'], 'outputs': ['h']},"
                + "{'op': 'scaled_dot_product_attention', 'inputs': ['s', 's', 'x'], 'outputs': ['at']},"
                + "{'op': 'relu', 'inputs': ['a'], 'outputs': ['r']},"
                + "{'op': 'add', 'inputs': ['b', 'c'], 'outputs': ['r2']},"
                + "{'op': 'mul', 'inputs': ['f1', 'e'], 'outputs': ['r3']}],"
                + "'outputs': ['r', 'r2', 'd', 'r3', 'g', 'h', 'at']}",
                weights(w("conv.weight", f(2, 3, 3)), w("conv.bias", f(2))));
        assertProblems(ps,
                p("node 0 (add): input 'x' F32[3, 4], 'y' F32[5]: shapes [3, 4] and [5] cannot broadcast (dimension -1: 4 against 5)"),
                p("node 1 (view)", "shape [5, ?] is invalid for an input of 12 elements [3, 4]"),
                p("node 2 (matmul)", "matmul of [3, 4] and [3, 4]: inner sizes 4 and 3 differ"),
                p("node 3 (cat)", "tensor 1 [3, 5] does not match [3, 4] in dimension 1"),
                p("node 4 (getitem)", "index 5 is out of range for dimension 1 of size 4"),
                p("node 5 (chunk)", "chunk along dimension 0, whose size is not known at load"),
                p("node 6 'conv' (Conv1d)", "expects in_channels = 3, the input [2, 4, 6] has 4"),
                p("node 7 (MaxPool1d)", "input size 6 is too small for the pooling window"),
                p("node 8 (scaled_dot_product_attention)", "query, key and value must have the same rank"));
    }

    @Test
    void valuesThatAreNotThere() {
        List<String> ps = problems("{'format': 'isthmus/2', 'inputs': [{'name': 'x', 'shape': [-1, 4], 'dtype': 'F32'}], 'nodes': ["
                + "{'op': 'view', 'shape': [{'ref': 'nope'}, -1], 'inputs': ['x'], 'outputs': ['a']},"
                + "{'op': 'relu', 'inputs': ['ghost'], 'outputs': ['b']},"
                + "{'op': 'size', 'dim': 0, 'inputs': ['x'], 'outputs': ['n']},"
                + "{'op': 'relu', 'inputs': ['x'], 'outputs': ['n']},"
                + "{'op': 'view', 'shape': [{'ref': 'x'}], 'inputs': ['x'], 'outputs': ['c']},"
                + "{'op': 'relu', 'inputs': ['x'], 'outputs': ['d', 'd2']},"
                + "{'op': 'add', 'inputs': ['d2', 'a'], 'outputs': ['e']},"
                + "{'op': 'get_attr', 'name': 'w', 'inputs': ['x'], 'outputs': ['k']}],"
                + "'outputs': ['e', 'b', 'n', 'zz', 'c']}", weights(w("w", f(4))));
        assertProblems(ps,
                p("node 0 (view): the reference {\"ref\": \"nope\"} in its arguments is not defined before this node"),
                p("node 1 (relu): input 'ghost' is not defined before this node"),
                p("node 3 (relu): value 'n' is already defined"),
                p("node 4 (view): input 'x' F32[?, 4], reference 'x' F32[?, 4]: shape item 0 must be an integer size value"),
                p("node 5 (relu): names 2 outputs, the op has 1"),
                p("node 7 'w' (get_attr): get_attr takes no inputs"),
                p("output 'n' is a size value, not a tensor"),
                p("output 'zz' is not a value of the graph"));
    }

    @Test
    void structuralProblemsAreListedTogether() {
        Path p = model("{'format': 'isthmus/9', 'inputs': [{'name': 'x', 'dtype': 'F32'}, {'name': 'y', 'shape': [2], 'dtype': 'F99'}],"
                + " 'nodes': [{'inputs': ['x']}, {'op': 'relu', 'name': 3}, {'op': 'relu', 'input': 'x', 'inputs': ['x']}],"
                + " 'outputs': [1]}", Map.of());
        ModelSpecException e = assertThrows(ModelSpecException.class, () -> ModelLoader.load(p, 1).close());
        assertProblems(e.problems(),
                p("format 'isthmus/9' is not supported"),
                p("input 'x': \"shape\" must be a list"),
                p("input 'y': dtype F99 is not an input type"),
                p("node 0: \"op\" must be"),
                p("node 1 (relu): \"name\" must be a string"),
                p("node 2 (relu): give \"input\" or \"inputs\", not both"),
                p("\"outputs\" must be a value name or a list of value names"));
    }

    @Test
    void imagePreprocessingThatGivesNoFiniteInputIsRefusedAtLoad() {
        // scale 1e300 made every pixel infinite, 0 every image the same, and a string fell back to 1/255 without a word;
        // all were accepted, and only predict read them
        String[][] cases = {
                {"'scale': 1e300", "scale 1.0E300, mean 0.0 and std 1.0 (channel 0) take pixel value 255 to 2.55E302, which is no finite 32-bit float"},
                {"'scale': 0", "scale must not be 0 (every image would be the same input)"},
                {"'scale': 0.0", "scale must not be 0"},
                {"'scale': 'x'", "scale must be a number, got \"x\""},
                {"'mean': [0, 1e300, 0]", "scale 0.00392156862745098, mean 1.0E300 and std 1.0 (channel 1) take pixel value 0 to -1.0E300"},
                {"'std': 1e-300", "std 1.0E-300 (channel 0) take pixel value 255 to 9.999999999999999E299"}};
        for (String[] c : cases) {
            Path p = model("{'format': 'isthmus/1', 'inputs': [{'name': 'img', 'shape': [-1, 3, 2, 2], 'dtype': 'F32', 'image': {'color': 'rgb', "
                    + c[0] + "}}], 'nodes': [{'op': 'Flatten'}]}", Map.of());
            RuntimeException x = assertThrows(RuntimeException.class, () -> ModelLoader.load(p, 1).close(), c[0]);
            ModelSpecException e = assertInstanceOf(ModelSpecException.class, x, x.getMessage());
            assertEquals(1, e.problems().size(), e.getMessage());
            assertTrue(e.getMessage().startsWith(p + " (metadata isthmus.spec): input 'img': image: "), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
        // beyond a 64-bit float, the JSON itself is refused, naming the key
        Path far = model("{'format': 'isthmus/1', 'inputs': [{'name': 'img', 'shape': [-1, 1, 2, 2], 'dtype': 'F32', 'image': "
                + "{'color': 'gray', 'scale': 1e400}}], 'nodes': [{'op': 'Flatten'}]}", Map.of());
        ModelFormatException f = assertThrows(ModelFormatException.class, () -> ModelLoader.load(far, 1).close());
        assertTrue(f.getMessage().contains("number out of range (beyond a 64-bit float): 1e400 (key \"scale\")"), f.getMessage());
        // a negative scale (inverted images) and the usual ones load
        for (String ok : new String[]{"'scale': -0.00392156862745098", "'mean': [0.485, 0.456, 0.406], 'std': [0.229, 0.224, 0.225]"}) {
            Path p = model("{'format': 'isthmus/1', 'inputs': [{'name': 'img', 'shape': [-1, 3, 2, 2], 'dtype': 'F32', 'image': {'color': 'rgb', "
                    + ok + "}}], 'nodes': [{'op': 'Flatten'}]}", Map.of());
            ModelLoader.load(p, 1).close();
        }
    }

    @Test
    void aSpecFileThatIsNotUtf8IsRefusedWithTheOffset() throws IOException {
        // it was "cannot read: Input length = 1"
        Path d = Files.createDirectories(dir.resolve("latin1"));
        SafetensorsWriter.write(d.resolve(ModelLoader.WEIGHTS_FILE), Map.of());
        Files.write(d.resolve(ModelLoader.SPEC_FILE), "{\"format\": \"isthmus/1\", \"labels\": [\"caf\u00e9\"]}"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(d, 1).close());
        assertEquals(d.resolve(ModelLoader.SPEC_FILE) + ": not UTF-8 text (byte offset 39) [rule: not-utf8]", e.getMessage());
    }

    @Test
    void malformedFilesAreFormatErrors() throws IOException {
        Path notSafetensors = dir.resolve("bad.safetensors");
        Files.writeString(notSafetensors, "not a model");
        assertThrows(ModelFormatException.class, () -> ModelLoader.load(notSafetensors, 1).close());
        Path noSpec = dir.resolve("nospec.safetensors");
        SafetensorsWriter.write(noSpec, Map.of("w", f(2)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(noSpec, 1).close());
        assertTrue(e.getMessage().contains("no model spec"), e.getMessage());
        Path badJson = model("{'format': 'isthmus/2', 'inputs': [", Map.of());
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(badJson, 1).close());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir.resolve("missing.safetensors"), 1).close());
    }

    // ---- run time: inputs that break a rule only known then ------------------------------------------------------

    /** Runs a loaded model on inputs expected to be refused; the message must contain the fragments. */
    private static void refused(Session s, Map<String, Tensor> in, String... fragments) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> s.run(in));
        for (String fr : fragments) assertTrue(e.getMessage().contains(fr), "'" + fr + "' not in: " + e.getMessage());
    }

    @Test
    void inputsThatBreakARuleAtRunTime() {
        Path p = model("{'format': 'isthmus/2', 'inputs': [{'name': 'x', 'shape': [-1, 4], 'dtype': 'F32'},"
                + " {'name': 'y', 'shape': [3, 4], 'dtype': 'F32'}, {'name': 'ids', 'shape': [-1], 'dtype': 'I64'},"
                + " {'name': 's', 'shape': [1, 2, -1], 'dtype': 'F32'}], 'nodes': ["
                + "{'op': 'add', 'inputs': ['x', 'y'], 'outputs': ['a']},"
                + "{'op': 'view', 'shape': [6, -1], 'inputs': ['x'], 'outputs': ['b']},"
                + "{'op': 'getitem', 'index': 2, 'inputs': ['x'], 'outputs': ['c']},"
                + "{'op': 'Embedding', 'name': 'emb', 'num_embeddings': 5, 'embedding_dim': 2, 'inputs': ['ids'], 'outputs': ['e']},"
                + "{'op': 'MaxPool1d', 'kernel_size': 3, 'inputs': ['s'], 'outputs': ['m']}],"
                + "'outputs': ['a', 'b', 'c', 'e', 'm']}", weights(w("emb.weight", f(5, 2))));
        try (Model m = ModelLoader.load(p, 1); Session s = m.newSession()) {
            Tensor y = f(3, 4), ids = ids(0, 4), seq = f(1, 2, 4);
            Map<String, Tensor> good = Map.of("x", f(3, 4), "y", y, "ids", ids, "s", seq);
            assertEquals(5, s.run(good).size());
            refused(s, Map.of("x", f(2, 4), "y", y, "ids", ids, "s", seq), "node 0 (add): input 'x' F32[2, 4], 'y' F32[3, 4]: ",
                    "cannot broadcast");
            refused(s, Map.of("x", f(1, 4), "y", y, "ids", ids, "s", seq), "node 1 (view)", "is invalid for an input of 4 elements");
            refused(s, Map.of("x", f(6, 4), "y", y, "ids", ids, "s", seq), "node 0 (add)");
            refused(s, Map.of("x", f(3, 4), "y", y, "ids", ids(0, 5), "s", seq), "Embedding", "id 5", "out of range");
            refused(s, Map.of("x", f(3, 4), "y", y, "ids", ids(-1), "s", seq), "Embedding", "id -1");
            refused(s, Map.of("x", f(3, 4), "y", y, "ids", ids, "s", f(1, 2, 2)), "node 4 (MaxPool1d)", "too small");
            // the inputs themselves
            refused(s, Map.of("y", y, "ids", ids, "s", seq), "missing input 'x'");
            refused(s, Map.of("x", f(3, 4), "y", y, "ids", ids, "s", seq, "extra", f(1)), "unknown input 'extra'");
            refused(s, Map.of("x", f(3, 4, 1), "y", y, "ids", ids, "s", seq), "input 'x' has shape [3, 4, 1]");
            refused(s, Map.of("x", f(3, 5), "y", y, "ids", ids, "s", seq), "input 'x' has shape [3, 5]");
            refused(s, Map.of("x", f(3, 4), "y", y, "ids", f(2), "s", seq), "input 'ids' is F32");
            refused(s, Map.of("x", Tensor.ofLongs(new long[4], 1, 4), "y", y, "ids", ids, "s", seq), "input 'x' is I64");
            // a refused run leaves the session usable
            assertEquals(5, s.run(good).size());
        }
    }

    @Test
    void runTimeRulesOfTheSequenceAndAttentionOps() {
        Path p = model("{'format': 'isthmus/2', 'inputs': [{'name': 'x', 'shape': [-1, 2, 3], 'dtype': 'F32'},"
                + " {'name': 'h0', 'shape': [1, -1, 2], 'dtype': 'F32'}, {'name': 'q', 'shape': [-1, 2, 3, 4], 'dtype': 'F32'},"
                + " {'name': 'm', 'shape': [-1, 1, -1, 3], 'dtype': 'F32'}], 'nodes': ["
                + "{'op': 'RNN', 'name': 'rnn', 'input_size': 3, 'hidden_size': 2, 'inputs': ['x', 'h0'], 'outputs': ['o', 'h']},"
                + "{'op': 'scaled_dot_product_attention', 'inputs': ['q', 'q', 'q', 'm'], 'outputs': ['a']}],"
                + "'outputs': ['o', 'a']}",
                weights(w("rnn.weight_ih_l0", f(2, 3)), w("rnn.weight_hh_l0", f(2, 2)), w("rnn.bias_ih_l0", f(2)), w("rnn.bias_hh_l0", f(2))));
        try (Model m = ModelLoader.load(p, 1); Session s = m.newSession()) {
            Tensor x = f(4, 2, 3), q = f(2, 2, 3, 4);
            assertEquals(2, s.run(Map.of("x", x, "h0", f(1, 2, 2), "q", q, "m", f(2, 1, 1, 3))).size());
            refused(s, Map.of("x", x, "h0", f(1, 3, 2), "q", q, "m", f(2, 1, 1, 3)), "node 0 'rnn' (RNN)", "h_0 must have shape [1, 2, 2]");
            refused(s, Map.of("x", x, "h0", f(1, 2, 2), "q", q, "m", f(2, 1, 3, 3)), "node 1 (scaled_dot_product_attention)",
                    "attn_mask [2, 1, 3, 3] is not supported");
        }
    }

    // ---- nothing but the typed exceptions ------------------------------------------------------------------------

    /** Replacement values for an argument: wrong types, out of range, absurd sizes, references to nothing. */
    private static final List<Object> ODD_VALUES = List.of("text", -1L, 0L, 1L, 99L, -99L, 2.5, true, List.of(), List.of(2L, 3L, 5L, 7L, 11L),
            List.of("a"), Map.of("ref", "nope"), Map.of("slice", List.of(-99L, 99L, 3L)));

    /**
     * Every op fixture's spec, and every graph fixture's functional nodes, with each argument of a node replaced by each
     * odd value, removed, or set to null, and with the node's inputs shortened and lengthened: loading (fused and node
     * by node, in turn) throws only {@link ModelSpecException} (or succeeds), and a model that loads runs the fixture's
     * inputs or refuses them with {@link InvalidInputException}.
     */
    @Test
    void mutatedSpecsFailWithTypedExceptionsOnly() throws IOException {
        int loaded = 0, refusedAtLoad = 0, ran = 0, refusedAtRun = 0, built = 0;
        List<String> crashes = new ArrayList<>();
        List<GraphFixturesTest.Case> cases = new ArrayList<>(GraphFixturesTest.cases(OpFixturesTest.ROOT));
        cases.addAll(GraphFixturesTest.cases());
        for (GraphFixturesTest.Case c : cases) {
            boolean graph = c.model().startsWith(GraphFixturesTest.ROOT);
            var loc = ModelLoader.locate(c.model());
            try (var file = ModelLoader.openWeights(loc.weights())) {
                Map<String, Object> spec = dev.isthmus.formats.json.Json.parseObject(file.metadata().get(ModelLoader.SPEC_KEY));
                Map<String, Tensor> feed = new LinkedHashMap<>();
                c.inputs().forEach((k, v) -> feed.put(k, dev.isthmus.formats.npy.Npy.read(v, null)));
                var weights = ModelLoader.weightSource(file);
                List<?> nodes = (List<?>) spec.get("nodes");
                for (int i = 0; i < nodes.size(); i++) {
                    if (graph && Character.isUpperCase(((String) ((Map<?, ?>) nodes.get(i)).get("op")).charAt(0))) continue;
                    for (Map<String, Object> mutated : mutations(spec, i)) {
                        boolean fuse = built++ % 2 == 0;
                        String what = c.name() + " node " + i + ": " + dev.isthmus.formats.json.Json.write(((List<?>) mutated.get("nodes")).get(i));
                        Model m;
                        try {
                            m = Model.build(dev.isthmus.formats.spec.SpecReader.fromJson(mutated, c.name()), weights, null, 1, null, fuse);
                            loaded++;
                        } catch (ModelSpecException e) {
                            refusedAtLoad++;
                            continue;
                        } catch (RuntimeException e) {
                            crashes.add(what + " → at load " + e);
                            continue;
                        }
                        try (m; Session s = m.newSession()) {
                            s.run(feed);
                            ran++;
                        } catch (InvalidInputException e) {
                            refusedAtRun++;
                        } catch (RuntimeException | StackOverflowError e) {
                            crashes.add(what + " → at run " + e);
                        }
                    }
                }
            }
        }
        if (!crashes.isEmpty()) fail(crashes.size() + " mutated specs threw something untyped:\n  " + String.join("\n  ", crashes));
        assertTrue(refusedAtLoad > 1000 && loaded > 1000 && ran > 500 && refusedAtRun > 0,
                "loaded " + loaded + " (ran " + ran + ", refused at run " + refusedAtRun + "), refused at load " + refusedAtLoad);
    }

    /**
     * Every op and graph fixture run with each free dimension of its inputs at 0, 1, 2 and 5 (all at once): each run
     * gives results of the shapes the model implies or is refused with {@link InvalidInputException}; a size-0 batch
     * runs, or is refused, like any other.
     */
    @Test
    void freeDimensionsOfAnySizeRunOrAreRefused() throws IOException {
        List<GraphFixturesTest.Case> cases = new ArrayList<>(GraphFixturesTest.cases(OpFixturesTest.ROOT));
        cases.addAll(GraphFixturesTest.cases());
        List<String> crashes = new ArrayList<>();
        int ran = 0, refused = 0;
        java.util.Random random = new java.util.Random(7);
        for (GraphFixturesTest.Case c : cases) {
            try (Model m = ModelLoader.load(c.model(), 1); Session s = m.newSession()) {
                for (int size : new int[]{0, 1, 2, 5}) {
                    Map<String, Tensor> feed = new LinkedHashMap<>();
                    for (var in : m.inputs()) {
                        long[] shape = in.shape();
                        for (int d = 0; d < shape.length; d++) if (shape[d] < 0) shape[d] = size;
                        int n = Math.toIntExact(Shape.numel(shape));
                        if (in.dtype().isFloating()) {
                            float[] x = new float[n];
                            for (int i = 0; i < n; i++) x[i] = (float) random.nextGaussian();
                            feed.put(in.name(), Tensor.ofFloats(x, shape));
                        } else {
                            feed.put(in.name(), Tensor.ofLongs(new long[n], shape));
                        }
                    }
                    try {
                        s.run(feed);
                        ran++;
                    } catch (InvalidInputException e) {
                        refused++;
                    } catch (RuntimeException e) {
                        crashes.add(c.name() + " with free dimensions of " + size + ": " + e);
                    }
                }
            }
        }
        if (!crashes.isEmpty()) fail(crashes.size() + " runs threw something untyped:\n  " + String.join("\n  ", crashes));
        assertTrue(ran > 100 && refused > 10, "ran " + ran + ", refused " + refused);
    }

    /** Variants of {@code spec} with node {@code i} changed. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> mutations(Map<String, Object> spec, int i) {
        Map<String, Object> node = (Map<String, Object>) ((List<?>) spec.get("nodes")).get(i);
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (String k : node.keySet()) {
            if (k.equals("op") || k.equals("name") || k.equals("outputs")) continue;
            if (k.equals("inputs")) {
                List<Object> in = new ArrayList<>((List<Object>) node.get(k));
                if (!in.isEmpty()) {
                    List<Object> shorter = new ArrayList<>(in.subList(0, in.size() - 1));
                    nodes.add(with(node, k, shorter));
                }
                List<Object> longer = new ArrayList<>(in);
                longer.add(in.isEmpty() ? ((Map<String, Object>) ((List<?>) spec.get("inputs")).get(0)).get("name") : in.get(0));
                nodes.add(with(node, k, longer));
                continue;
            }
            Map<String, Object> without = new LinkedHashMap<>(node);
            without.remove(k);
            nodes.add(without);
            nodes.add(with(node, k, null));
            for (Object v : ODD_VALUES) nodes.add(with(node, k, v));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> n : nodes) {
            Map<String, Object> s = new LinkedHashMap<>(spec);
            List<Object> ns = new ArrayList<>((List<?>) spec.get("nodes"));
            ns.set(i, n);
            s.put("nodes", ns);
            out.add(s);
        }
        return out;
    }

    private static Map<String, Object> with(Map<String, Object> node, String key, Object value) {
        Map<String, Object> n = new LinkedHashMap<>(node);
        n.put(key, value);
        return n;
    }
}
