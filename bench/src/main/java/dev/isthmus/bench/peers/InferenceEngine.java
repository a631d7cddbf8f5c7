package dev.isthmus.bench.peers;

import java.util.Map;

/**
 * One inference engine with one model loaded, as the peer benchmarks drive it: bind the inputs once (not timed), then
 * {@link #run()} repeatedly (timed). Every engine reads the same weights (the files written by
 * {@code tools/export_models.py}) and gets the same input arrays.
 *
 * <p>To add an engine: implement this interface and add one line to {@link Engines#open}; the benchmarks take it by
 * name through their {@code engine} parameter ({@code -p engine=NAME}).
 */
public interface InferenceEngine extends AutoCloseable {
    /** The name used in benchmark parameters and in the results table, e.g. {@code isthmus-java} or {@code ort}. */
    String name();

    /** Fixes an input of later runs. The engine may copy or wrap {@code data}; the caller does not change it after. */
    void setInput(String name, float[] data, long[] shape);

    /**
     * One inference on the bound inputs, as an application would call it (outputs allocated by the engine as usual).
     *
     * @return something that depends on the outputs, for JMH's Blackhole
     */
    Object run();

    /** Runs once and copies every output to a float array, by output name (the correctness check; not timed). */
    Map<String, float[]> runAndCollect();

    /** Free-form facts about the engine's configuration, for the results (version, options). */
    String describe();

    @Override
    void close();
}
