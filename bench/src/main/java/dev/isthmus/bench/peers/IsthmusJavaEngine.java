package dev.isthmus.bench.peers;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.runtime.Session;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * isthmus through its public API, as a service uses it: {@link ModelLoader#load(Path, int, String)} once, then a
 * {@link Session} per thread (results are views of the session's memory, as ORT's are its own tensors).
 */
final class IsthmusJavaEngine implements InferenceEngine {
    private final Model model;
    private final Session session;
    private final String name;
    private final Map<String, Tensor> inputs = new HashMap<>();

    IsthmusJavaEngine(Path weights, int threads, String backend, String name) {
        this.model = ModelLoader.load(weights, threads, backend);
        this.session = model.newSession();
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void setInput(String name, float[] data, long[] shape) {
        inputs.put(name, Tensor.ofFloats(data, shape.clone()));
    }

    @Override
    public Object run() {
        return session.run(inputs);
    }

    @Override
    public Map<String, float[]> runAndCollect() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.run(inputs).entrySet()) out.put(e.getKey(), e.getValue().toFloatArray());
        return out;
    }

    @Override
    public String describe() {
        return "isthmus (" + model.backendName() + "), " + model.threads() + " thread(s)";
    }

    @Override
    public void close() {
        session.close();
        model.close();
    }
}
