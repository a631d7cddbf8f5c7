package dev.isthmus.bench.models;

import org.openjdk.jmh.annotations.Param;

/** Latency of the seed CNN (conv 1→32, conv 32→64, fc 3136→128→10), input [batch, 1, 28, 28]. */
public class SeedCnnBench extends ModelBenchmark {
    @Param({"1", "32"})
    public int batch;

    @Override
    protected String model() {
        return "cnn";
    }

    @Override
    protected int batch() {
        return batch;
    }
}
