package dev.isthmus.bench.models;

import org.openjdk.jmh.annotations.Param;

/** Latency of torchvision's ResNet-18 (random weights) on a batch of 8 images [8, 3, 224, 224]: 3.6 GFLOP per image (2 per multiply-add). */
public class ResNet18Bench extends ModelBenchmark {
    @Param({"8"})
    public int batch;

    @Override
    protected String model() {
        return "resnet18";
    }

    @Override
    protected int batch() {
        return batch;
    }
}
