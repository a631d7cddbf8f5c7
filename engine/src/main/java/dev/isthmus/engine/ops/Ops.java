package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.kernels.Activation;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;

/** The ops of {@code isthmus/1}: {@code torch.nn} class name → layer factory. */
public final class Ops {
    private Ops() {
    }

    private static final Map<String, BiFunction<NodeArgs, WeightBinder, Layer>> FACTORIES = Map.ofEntries(
            Map.entry("Conv2d", Conv2dLayer::new),
            Map.entry("MaxPool2d", (a, w) -> new Pool2dLayer(Pool2dLayer.Kind.MAX, a)),
            Map.entry("AvgPool2d", (a, w) -> new Pool2dLayer(Pool2dLayer.Kind.AVG, a)),
            Map.entry("AdaptiveAvgPool2d", (a, w) -> new AdaptiveAvgPool2dLayer(a)),
            Map.entry("BatchNorm2d", BatchNorm2dLayer::new),
            Map.entry("Linear", LinearLayer::new),
            Map.entry("Flatten", (a, w) -> new FlattenLayer(a)),
            Map.entry("ReLU", (a, w) -> activation(a, Activation.RELU, "inplace")),
            Map.entry("GELU", (a, w) -> activation(a, a.choice("approximate", "none", "none", "tanh").equals("tanh")
                    ? Activation.GELU_TANH : Activation.GELU)),
            Map.entry("Sigmoid", (a, w) -> activation(a, Activation.SIGMOID)),
            Map.entry("Tanh", (a, w) -> activation(a, Activation.TANH)),
            Map.entry("SiLU", (a, w) -> activation(a, Activation.SILU, "inplace")),
            Map.entry("Softmax", (a, w) -> new SoftmaxLayer(a)),
            Map.entry("Dropout", (a, w) -> activation(a, Activation.NONE, "p", "inplace")),
            Map.entry("Identity", (a, w) -> activation(a, Activation.NONE)),
            Map.entry("Embedding", EmbeddingLayer::new),
            Map.entry("LayerNorm", LayerNormLayer::new),
            Map.entry("GRU", GruLayer::new),
            Map.entry("TransformerEncoderLayer", EncoderLayer::new),
            Map.entry("TransformerEncoder", EncoderStack::new),
            // Hugging Face modules, used by the specs derived from BERT / DistilBERT config.json files
            Map.entry("BertEmbeddings", dev.isthmus.engine.ops.hf.HfEmbeddings::bert),
            Map.entry("BertLayer", dev.isthmus.engine.ops.hf.HfEncoderLayer::bert),
            Map.entry("BertPooler", dev.isthmus.engine.ops.hf.BertPoolerLayer::new),
            Map.entry("DistilBertEmbeddings", dev.isthmus.engine.ops.hf.HfEmbeddings::distilBert),
            Map.entry("DistilBertTransformerBlock", dev.isthmus.engine.ops.hf.HfEncoderLayer::distilBert),
            Map.entry("SelectToken", dev.isthmus.engine.ops.hf.SelectTokenLayer::new));

    private static Layer activation(NodeArgs a, Activation act, String... ignored) {
        a.ignore(ignored);
        return new ActivationLayer(act);
    }

    /** True when {@code op} is an op of this version. */
    public static boolean isKnown(String op) {
        return FACTORIES.containsKey(op);
    }

    /** The known op names, sorted. */
    public static Set<String> names() {
        return new TreeSet<>(FACTORIES.keySet());
    }

    /** Builds the layer for a node; argument errors are thrown as {@link IllegalArgumentException}. */
    public static Layer create(NodeArgs args, WeightBinder weights) {
        var f = FACTORIES.get(args.node().op());
        if (f == null) throw new IllegalArgumentException("unknown op '" + args.node().op() + "'");
        return f.apply(args, weights);
    }
}
