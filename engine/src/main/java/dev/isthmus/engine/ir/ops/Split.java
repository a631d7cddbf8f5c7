package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code chunk(input, chunks, dim)} and {@code split(tensor, split_size_or_sections, dim)}: one result per piece along
 * dim, as PyTorch cuts them (chunk: pieces of ⌈size / chunks⌉, the last smaller, possibly fewer than asked; a size-0
 * dimension, {@code chunks} empty pieces). The size along dim must be known at load, since it decides how many
 * results there are.
 */
public final class Split implements Op {
    final String name;
    final int dim;
    /** chunk: the number of chunks; split: the piece size (sections null). */
    final int count;
    final int[] sections;

    private Split(String name, int dim, int count, int[] sections) {
        this.name = name;
        this.dim = dim;
        this.count = count;
        this.sections = sections;
    }

    public static Split chunk(OpArgs a) {
        int chunks = a.requiredInt("chunks");
        if (chunks <= 0) throw new IllegalArgumentException("chunks must be positive");
        return new Split("chunk", a.integer("dim", 0), chunks, null);
    }

    public static Split split(OpArgs a) {
        Object v = a.raw("split_size_or_sections");
        if (v == null) v = a.raw("split_size");
        if (v == null) throw new IllegalArgumentException("missing required argument 'split_size_or_sections'");
        int dim = a.integer("dim", 0);
        if (v instanceof List<?> l) {
            int[] s = new int[l.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = a.intValue("split_size_or_sections", l.get(i));
                if (s[i] < 0) throw new IllegalArgumentException("split sections must be non-negative");
            }
            return new Split("split", dim, 0, s);
        }
        int size = a.intValue("split_size_or_sections", v);
        if (size <= 0) throw new IllegalArgumentException("split_size must be positive");
        return new Split("split", dim, size, null);
    }

    @Override
    public String name() {
        return name;
    }

    /** The pieces' sizes for a dimension of {@code n}. */
    private int[] pieces(long n) {
        if (sections != null) {
            long sum = 0;
            for (int s : sections) sum += s;
            if (sum != n) throw new IllegalArgumentException("split sections " + java.util.Arrays.toString(sections) + " sum to " + sum
                    + ", the dimension has " + n);
            return sections.clone();
        }
        int size = name.equals("chunk") ? (int) ((n + count - 1) / count) : count;
        if (size == 0) return new int[count]; // chunk of a size-0 dimension: as many empty pieces as asked, as PyTorch
        int k = (int) ((n + size - 1) / size);
        int[] out = new int[Math.max(k, 1)];
        for (int i = 0; i < out.length; i++) out[i] = (int) Math.min(size, n - (long) i * size);
        if (n == 0) out[0] = 0;
        return out;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        ValueType t = ShapeRules.tensor(in, 0);
        long[] s = t.dims();
        if (s.length == 0) throw new IllegalArgumentException(name + " needs a tensor of at least one dimension, got a scalar");
        int d = ShapeRules.axis(dim, s.length);
        if (s[d] < 0) throw new IllegalArgumentException(name + " along dimension " + dim + ", whose size is not known at load " + Shape.toString(s));
        List<ValueType> out = new ArrayList<>();
        for (int p : pieces(s[d])) {
            long[] o = s.clone();
            o[d] = p;
            out.add(t.withShape(o));
        }
        return out;
    }

    @Override
    public String summary() {
        return (sections != null ? "sections " + java.util.Arrays.toString(sections) : (name.equals("chunk") ? "chunks " : "size ") + count)
                + ", dim " + dim;
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return this::run;
    }

    private void run(Frame f) {
        long[] s = f.inShape[0];
        int d = ShapeRules.axis(dim, s.length);
        int outer = (int) Shape.prod(s, 0, d), inner = (int) Shape.prod(s, d + 1, s.length), total = (int) s[d];
        boolean ints = f.inType[0] != DType.F32;
        int start = 0;
        for (int k = 0; k < f.out.length; k++) {
            int len = (int) f.outShape[k][d];
            for (int p = 0; p < outer; p++) {
                int src = f.in[0] + (p * total + start) * inner, dst = f.out[k] + p * len * inner;
                if (ints) System.arraycopy(f.ints, src, f.ints, dst, len * inner);
                else System.arraycopy(f.buf, src, f.buf, dst, len * inner);
            }
            start += len;
        }
    }
}
