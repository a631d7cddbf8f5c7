package dev.isthmus.bench.peers;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** isthmus through its public API: {@link ModelLoader#load(Path, int)} and {@link Model#run(Map)}. */
final class IsthmusJavaEngine implements InferenceEngine {
    private final Model model;
    private final Map<String, Tensor> inputs = new HashMap<>();

    IsthmusJavaEngine(Path weights, int threads) {
        this.model = ModelLoader.load(weights, threads);
    }

    @Override
    public String name() {
        return Engines.ISTHMUS_JAVA;
    }

    @Override
    public void setInput(String name, float[] data, long[] shape) {
        inputs.put(name, Tensor.ofFloats(data, shape.clone()));
    }

    @Override
    public Object run() {
        return model.run(inputs);
    }

    @Override
    public Map<String, float[]> runAndCollect() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.run(inputs).entrySet()) out.put(e.getKey(), e.getValue().toFloatArray());
        return out;
    }

    @Override
    public String describe() {
        return "isthmus (Vector API), " + model.threads() + " thread(s)";
    }

    @Override
    public void close() {
        model.close();
    }
}
