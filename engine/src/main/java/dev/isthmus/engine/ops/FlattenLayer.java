package dev.isthmus.engine.ops;

import dev.isthmus.engine.graph.ComputePool;
import dev.isthmus.engine.graph.Frame;
import dev.isthmus.engine.graph.Layer;
import dev.isthmus.engine.graph.NodeArgs;
import dev.isthmus.engine.graph.Shapes;
import dev.isthmus.engine.tensor.Shape;
import dev.isthmus.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** {@code torch.nn.Flatten(start_dim=1, end_dim=-1)}: a view, no copy. */
public final class FlattenLayer implements Layer {
    final int start, end;

    public FlattenLayer(NodeArgs a) {
        start = a.integer("start_dim", 1);
        end = a.integer("end_dim", -1);
    }

    @Override
    public boolean isPlanned() {
        return true;
    }

    @Override
    public boolean isView() {
        return true;
    }

    @Override
    public void run(Frame f) {
        // a view: the plan gives the result the input's memory
    }

    @Override
    public List<long[]> outputShapes(List<long[]> in) {
        return List.of(flatten(in.get(0)));
    }

    private long[] flatten(long[] s) {
        int r = Math.max(s.length, 1);
        int st = start < 0 ? start + r : start, en = end < 0 ? end + r : end;
        if (st < 0 || st >= r || en < 0 || en >= r) {
            throw new IllegalArgumentException("start_dim " + start + " / end_dim " + end + " out of range for " + Shape.toString(s));
        }
        if (st > en) throw new IllegalArgumentException("start_dim " + start + " comes after end_dim " + end + " for " + Shape.toString(s));
        if (s.length == 0) return new long[]{1};
        List<Long> o = new ArrayList<>();
        for (int i = 0; i < st; i++) o.add(s[i]);
        long m = 1;
        for (int i = st; i <= en; i++) m = Shapes.mul(m, s[i]);
        o.add(m);
        for (int i = en + 1; i < s.length; i++) o.add(s[i]);
        return o.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public List<Tensor> forward(List<Tensor> in, ComputePool pool) {
        Tensor t = in.get(0);
        return List.of(t.reshape(flatten(t.shape())));
    }
}
