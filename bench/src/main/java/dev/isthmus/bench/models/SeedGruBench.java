package dev.isthmus.bench.models;

import org.openjdk.jmh.annotations.Param;

/** Latency of the seed GRU (GRU(100, 256, 2 layers, batch_first) + Linear(256→10) per step), input [batch, 50, 100]. */
public class SeedGruBench extends ModelBenchmark {
    @Param({"1", "32"})
    public int batch;

    @Override
    protected String model() {
        return "gru";
    }

    @Override
    protected int batch() {
        return batch;
    }
}
