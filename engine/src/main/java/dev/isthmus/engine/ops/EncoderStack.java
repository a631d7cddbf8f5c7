package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.WeightBinder;
import dev.isthmus.engine.spec.NodeSpec;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.nn.TransformerEncoder(encoder_layer, num_layers, norm)}: {@code encoder_layer} holds the
 * TransformerEncoderLayer arguments; layers are under {@code name.layers.i}, the optional final norm (LayerNorm
 * arguments) under {@code name.norm}. A second input is the key padding mask, passed to every layer.
 */
public final class EncoderStack implements Layer {
    final List<EncoderLayer> layers = new ArrayList<>();
    final LayerNormLayer norm;

    public EncoderStack(NodeArgs a, WeightBinder w) {
        NodeSpec n = a.node();
        int count = a.requiredInt("num_layers");
        Map<String, Object> layerArgs = a.object("encoder_layer");
        if (layerArgs == null) throw new IllegalArgumentException("missing required argument 'encoder_layer' (the TransformerEncoderLayer arguments)");
        Map<String, Object> normArgs = a.object("norm");
        a.ignore("enable_nested_tensor", "mask_check");
        if (count <= 0) throw new IllegalArgumentException("num_layers must be positive");
        for (int i = 0; i < count; i++) {
            NodeSpec sub = new NodeSpec(n.index(), "TransformerEncoderLayer", n.param("layers." + i), List.of(), List.of(), layerArgs);
            NodeArgs la = new NodeArgs(sub);
            layers.add(new EncoderLayer(la, w, sub));
            if (i == 0 && !la.unknown().isEmpty()) {
                throw new IllegalArgumentException("unknown encoder_layer arguments " + la.unknown());
            }
        }
        norm = normArgs == null ? null : LayerNormLayer.nested(n, "norm", normArgs, w);
        if (norm != null && (norm.normalized.length != 1 || norm.normalized[0] != layers.get(0).d)) {
            throw new IllegalArgumentException("norm.normalized_shape must be [d_model]");
        }
    }

    @Override
    public int maxInputs() {
        return 2;
    }

    @Override
    public boolean isPlanned() {
        return layers.get(0).fast != null;
    }

    @Override
    public void trim() {
        for (EncoderLayer l : layers) l.trim();
    }

    @Override
    public long heldBytes() {
        long b = norm == null ? 0 : norm.heldBytes();
        for (EncoderLayer l : layers) b += l.heldBytes();
        return b;
    }

    @Override
    public long scratchFloats(List<long[]> in) {
        return layers.get(0).scratchFloats(in);
    }

    @Override
    public void run(Frame f) {
        EncoderLayer first = layers.get(0);
        EncoderLayer.Geometry g = EncoderLayer.Geometry.of(f.inShape[0], first.batchFirst);
        int rows = g.batch() * g.seq();
        int p = f.scratch, q = p + rows * first.d, kb = q + rows * first.d;
        boolean hasMask = f.in.length > 1;
        if (hasMask) EncoderLayer.writeKeyBias(f, 1, kb, rows);
        EncoderLayer.runLayers(f, layers, norm, g, p, q, hasMask ? kb : -1);
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        return layers.get(0).outputShapes(in);
    }

    @Override
    public List<Tensor> forward(List<Tensor> inputs, ComputePool pool) {
        Tensor t = inputs.get(0);
        long[] s = t.shape();
        EncoderLayer first = layers.get(0);
        EncoderLayer.Geometry g = EncoderLayer.Geometry.of(s, first.batchFirst);
        float[] x = g.toBatchMajor(Floats.of(t), first.d);
        float[] bias = inputs.size() > 1 ? EncoderLayer.keyBias(inputs.get(1), g.batch(), g.seq()) : null;
        for (EncoderLayer l : layers) x = l.apply(x, g.batch(), g.seq(), bias, pool);
        if (norm != null) x = norm.apply(x, g.batch() * g.seq(), pool);
        return List.of(Tensor.ofFloats(g.fromBatchMajor(x, first.d), s));
    }
}
