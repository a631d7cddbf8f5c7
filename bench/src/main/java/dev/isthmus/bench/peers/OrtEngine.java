package dev.isthmus.bench.peers;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONNX Runtime Java, CPU execution provider, with the settings a latency-minded user would pick: all graph
 * optimisations ({@code ORT_ENABLE_ALL}: constant folding, GELU/LayerNorm/attention/MatMul+Add fusions, layout
 * transforms), {@code threads} intra-op threads, 1 inter-op thread, sequential execution. Everything else is ORT's
 * default (its intra-op threads spin while waiting for work, which favours latency).
 */
final class OrtEngine implements InferenceEngine {
    private final OrtEnvironment env;
    private final SessionOptions options;
    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new HashMap<>();
    private final int threads;

    OrtEngine(Path onnx, int threads) {
        this.threads = threads;
        try {
            env = OrtEnvironment.getEnvironment();
            options = new SessionOptions();
            options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
            session = env.createSession(onnx.toString(), options);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load " + onnx + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return Engines.ORT;
    }

    @Override
    public void setInput(String name, float[] data, long[] shape) {
        try {
            OnnxTensor old = inputs.put(name, OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape.clone()));
            if (old != null) old.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot make input '" + name + "': " + e.getMessage(), e);
        }
    }

    @Override
    public Object run() {
        try (OrtSession.Result r = session.run(inputs)) {
            // The outputs are computed by the time run() returns; reading them would add a copy ORT users need not make.
            return r.size();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, float[]> runAndCollect() {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (OrtSession.Result r = session.run(inputs)) {
            for (Map.Entry<String, OnnxValue> e : r) {
                FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
                float[] a = new float[b.remaining()];
                b.get(a);
                out.put(e.getKey(), a);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public String describe() {
        return "ONNX Runtime " + env.getVersion() + " CPU, ORT_ENABLE_ALL, intra-op " + threads + ", inter-op 1, sequential";
    }

    @Override
    public void close() {
        for (OnnxTensor t : inputs.values()) t.close();
        inputs.clear();
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
        options.close();
    }
}
