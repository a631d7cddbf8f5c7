package dev.isthmus.bench.models;

import org.openjdk.jmh.annotations.Param;

/** Latency of the DistilBERT-size encoder (6 × TransformerEncoderLayer(768, 12 heads, 3072, GELU, post-LN)), input [batch, 128, 768]. */
public class EncoderBench extends ModelBenchmark {
    @Param({"1"})
    public int batch;

    @Override
    protected String model() {
        return "encoder";
    }

    @Override
    protected int batch() {
        return batch;
    }
}
