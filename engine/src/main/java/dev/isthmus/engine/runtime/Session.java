package dev.isthmus.engine.runtime;

import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One caller's working memory for a {@link Model}: plans cached by input shape, each with its own buffers. A session
 * is for one thread at a time; open one per thread (they are cheap until first run) and share the model.
 *
 * <p>{@link #run} returns the results as views of the plan's buffers: they stay valid until the next run of this
 * session with inputs of the same shapes, or until the session is closed. Copy them ({@link Tensor#toFloatArray}) to
 * keep them. In steady state a run allocates nothing: same shapes, same plan, same memory.
 */
public final class Session implements AutoCloseable {
    /** How many shapes a session keeps plans for; the least recently used is dropped beyond that. */
    public static final int MAX_PLANS = 8;

    private final Model model;
    private final List<Plan> plans = new ArrayList<>();
    private final Tensor[] ordered;
    private boolean closed;

    Session(Model model) {
        this.model = model;
        this.ordered = new Tensor[model.inputs().size()];
    }

    /** The model this session runs. */
    public Model model() {
        return model;
    }

    /**
     * Runs the model; checks the inputs as {@link Model#run(Map)} does.
     *
     * @return the results by output name; views valid until the next run of this session (see the class comment)
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        return run(inputs, null);
    }

    /**
     * Runs the model as {@link #run(Map)} does, adding each node's wall time in nanoseconds to {@code nanos[i]} for node
     * i of {@link Model#nodes()} (for profiles: {@code isthmus bench --profile}).
     */
    public Map<String, Tensor> runProfiled(Map<String, Tensor> inputs, long[] nanos) {
        if (nanos.length < model.steps().size()) throw new IllegalArgumentException("nanos needs " + model.steps().size() + " entries");
        return run(inputs, nanos);
    }

    private Map<String, Tensor> run(Map<String, Tensor> inputs, long[] nanos) {
        if (closed) throw new IllegalStateException("session is closed");
        Tensor[] in = model.checkedInputs(inputs, ordered);
        Plan plan = null;
        for (int i = 0; i < plans.size(); i++) {
            Plan p = plans.get(i);
            if (p.matches(in)) {
                plan = p;
                if (i > 0) { // most recent first
                    plans.remove(i);
                    plans.add(0, p);
                }
                break;
            }
        }
        if (plan == null) {
            plan = Plan.build(model, in, model.pool());
            plans.add(0, plan);
            if (plans.size() > MAX_PLANS) plans.remove(plans.size() - 1);
        }
        return plan.run(in, nanos);
    }

    /** Runs a model with one input. */
    public Map<String, Tensor> run(Tensor input) {
        if (model.inputs().size() != 1) return run(Map.of());
        return run(Map.of(model.inputs().get(0).name(), input));
    }

    /** Bytes held by this session's plans. */
    public long planBytes() {
        long b = 0;
        for (Plan p : plans) b += p.bytes();
        return b;
    }

    /** How many plans (input shapes) this session holds. */
    public int planCount() {
        return plans.size();
    }

    /** Drops the plans; results from this session must not be read after. */
    @Override
    public void close() {
        closed = true;
        plans.clear();
    }
}
