package dev.isthmus.bench.models;

import org.openjdk.jmh.annotations.Param;

/** Latency of torchvision's ResNet-50 (random weights), input [batch, 3, 224, 224]: 8.2 GFLOP per image (2 per multiply-add), dense convolutions. */
public class ResNet50Bench extends ModelBenchmark {
    @Param({"1"})
    public int batch;

    @Override
    protected String model() {
        return "resnet50";
    }

    @Override
    protected int batch() {
        return batch;
    }
}
