package dev.isthmus.bench.models;

import org.openjdk.jmh.annotations.Param;

/** Latency of torchvision's MobileNetV2 (random weights), input [batch, 3, 224, 224]: 0.60 GFLOP per image, depthwise 3×3 between 1×1 convolutions: few FLOPs per byte of activations moved. */
public class MobileNetV2Bench extends ModelBenchmark {
    @Param({"1"})
    public int batch;

    @Override
    protected String model() {
        return "mobilenet_v2";
    }

    @Override
    protected int batch() {
        return batch;
    }
}
