package dev.isthmus.formats;

import dev.isthmus.engine.runtime.Model;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fusion passes do what they are for on real exported models: after them, the nodes they fold away are gone and
 * the kernels that took them over say so (GraphFixturesTest checks that the results stay PyTorch's, fused and not).
 */
class FusionStructureTest {
    static List<Model.NodeInfo> nodes(Path model) {
        try (Model m = ModelLoader.load(model, 1)) {
            return m.nodes();
        }
    }

    static Path graph(String name) {
        return Path.of("..", "fixtures", "graph", name, "model.safetensors");
    }

    static long count(List<Model.NodeInfo> nodes, String op) {
        return nodes.stream().filter(n -> n.op().equals(op)).count();
    }

    static long withSummary(List<Model.NodeInfo> nodes, String op, String part) {
        return nodes.stream().filter(n -> n.op().equals(op) && n.summary().contains(part)).count();
    }

    @Test
    void resnetBlocksAreOneConvolutionEach() {
        List<Model.NodeInfo> n = nodes(graph("resnet18"));
        assertEquals(0, count(n, "BatchNorm2d"), "every BatchNorm folded into its convolution");
        assertEquals(0, count(n, "add"), "every residual add in a convolution's epilogue");
        assertEquals(0, count(n, "ReLU") + count(n, "relu"), "every ReLU in an epilogue");
        assertEquals(8, withSummary(n, "Conv2d", "+ residual, relu"), "relu(bn(conv(x)) + identity), once per BasicBlock");
    }

    @Test
    void mobileNetAndEfficientNetKeepTheirActivationsAndGatesInTheConvolutions() {
        List<Model.NodeInfo> m = nodes(graph("mobilenet_v2"));
        assertEquals(0, count(m, "BatchNorm2d") + count(m, "add") + count(m, "ReLU6"));
        assertEquals(4, withSummary(m, "Conv2d", "+ residual"), "each inverted residual in its projection convolution");
        List<Model.NodeInfo> e = nodes(graph("efficientnet_b0"));
        assertEquals(0, count(e, "BatchNorm2d") + count(e, "SiLU") + count(e, "Sigmoid"), "SiLU and the gates' sigmoids fused");
        assertTrue(withSummary(e, "Conv2d", "+ sigmoid") >= 5, "squeeze-and-excitation gates computed in their convolution");
    }

    @Test
    void aHandWrittenAttentionIsOneKernelWithTheHeadsSideBySide() {
        List<Model.NodeInfo> n = nodes(graph("attention"));
        assertEquals(1, withSummary(n, "scaled_dot_product_attention", "4 heads side by side"));
        assertEquals(0, count(n, "matmul") + count(n, "softmax") + count(n, "permute") + count(n, "transpose"));
    }

    @Test
    void bertLayersFuseResidualsAndActivations() {
        List<Model.NodeInfo> n = nodes(Path.of("..", "fixtures", "hf", "bert_cls_padded", "model"));
        assertEquals(0, count(n, "add") - 2, "only the embeddings' two adds remain; the layers' residuals are in their Linear");
        assertEquals(3, withSummary(n, "Linear", "+ gelu"), "each layer's intermediate GELU in its product");
        assertEquals(6, withSummary(n, "Linear", "+ residual"), "two residuals per layer");
    }
    @Test
    void tiedDecodersAreLinearsOverTheEmbeddingTable() {
        List<Model.NodeInfo> n = nodes(Path.of("..", "fixtures", "hf", "bert_mlm_padded", "model"));
        assertEquals(0, count(n, "linear"), "linear(h, get_attr table, get_attr bias) became a Linear");
        assertEquals(1, count(n, "get_attr"), "only the position table is read as a value; the decoder's table and bias are not copied");
        assertEquals(1, withSummary(n, "Linear", "24→53"), "the decoder: hidden 24 to the vocabulary of 53");
        List<Model.NodeInfo> ops = nodes(Path.of("..", "fixtures", "ops", "linear_function", "model.safetensors"));
        assertEquals(1, count(ops, "linear"), "the one whose weight is an input stays a function");
        assertEquals(1, count(ops, "get_attr"), "the weight another node reads stays");
    }
}
