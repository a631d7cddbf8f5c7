package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.errors.InvalidInputException;
import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.ir.Weights;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.Tensor;

import java.util.List;

/** {@code torch.nn.Embedding}: integer ids of any shape → that shape + (embedding_dim). */
public final class Embedding implements Op {
    final int count, dim;
    final Tensor table;

    private Embedding(int count, int dim, Tensor table) {
        this.count = count;
        this.dim = dim;
        this.table = table;
    }

    public static Embedding create(OpArgs a, Weights w) {
        int count = a.requiredInt("num_embeddings");
        int dim = a.requiredInt("embedding_dim");
        a.ignore("padding_idx", "norm_type", "scale_grad_by_freq", "sparse", "_weight", "_freeze", "device", "dtype");
        if (a.has("max_norm")) throw new IllegalArgumentException("max_norm is not supported (it rewrites the weights during the forward pass)");
        if (count <= 0 || dim <= 0) throw new IllegalArgumentException("num_embeddings and embedding_dim must be positive");
        return new Embedding(count, dim, w.require(a, "weight", count, dim));
    }

    /** An embedding over a given table (frontends). */
    public static Embedding of(Tensor table) {
        long[] s = table.shape();
        return new Embedding((int) s[0], (int) s[1], table);
    }

    @Override
    public String name() {
        return "Embedding";
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ShapeRules.arity(in, 1, 1);
        long[] s = ShapeRules.integers(in, 0).dims();
        long[] o = java.util.Arrays.copyOf(s, s.length + 1);
        o[s.length] = dim;
        return List.of(ValueType.f32(o));
    }

    @Override
    public long paramBytes() {
        return Params.bytes(table);
    }

    @Override
    public String summary() {
        return count + " × " + dim + Params.narrowNote(table);
    }

    /**
     * Gathers rows from the table where it is: a heap array as it is, a mapped file's rows as they are asked for (only
     * the rows of the ids a model sees are ever read in; a vocabulary of 30K rows is mostly never touched), and an int8
     * (q·scale) or bf16 table widened row by row. No float copy of the table is made.
     */
    @Override
    public Executable compile(KernelProvider k) {
        float[] heap = table.heapFloats();
        return new Executable() {
            @Override
            public void run(Frame f) {
                int n = f.inSize(0), ids = f.in[0], out = f.out[0];
                for (int i = 0; i < n; i++) {
                    long id = f.ints[ids + i];
                    if (id < 0 || id >= count) {
                        throw new InvalidInputException("Embedding: id " + id + " at position " + i + " is out of range [0, " + count + ")");
                    }
                    if (heap != null) System.arraycopy(heap, (int) id * dim, f.buf, out + i * dim, dim);
                    else table.copyFloatsTo(id * dim, f.buf, out + i * dim, dim);
                }
            }
        };
    }
}
