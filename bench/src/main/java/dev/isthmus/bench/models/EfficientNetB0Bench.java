package dev.isthmus.bench.models;

import org.openjdk.jmh.annotations.Param;

/** Latency of torchvision's EfficientNet-B0 (random weights), input [batch, 3, 224, 224]: 0.77 GFLOP per image, depthwise 3×3 and 5×5, SiLU, squeeze-and-excitation. */
public class EfficientNetB0Bench extends ModelBenchmark {
    @Param({"1"})
    public int batch;

    @Override
    protected String model() {
        return "efficientnet_b0";
    }

    @Override
    protected int batch() {
        return batch;
    }
}
