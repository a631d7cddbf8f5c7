package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Frame;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.kernels.StridedCopy;
import dev.isthmus.engine.tensor.DType;
import dev.isthmus.engine.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code getitem}: Python indexing with ints, slices {@code {"slice": [start, stop, step]}}, {@code null} (a new axis)
 * and {@code "..."}, any of whose numbers may be size values: {@code x[:, -1, :]}, {@code x[..., :n]},
 * {@code x[:, None]}. On a tensor the result is a copy of the selected elements; on a size tuple ({@code x.shape[0]})
 * an integer or a shorter tuple. Tensor-valued indices are not supported.
 */
public final class GetItem implements Op {
    enum Kind { INT, SLICE, NEW, ELLIPSIS }

    /** One index item; {@code a, b, c} are Long, {@link OpArgs.Ref} or null (INT uses a; SLICE start, stop, step). */
    record Item(Kind kind, Object a, Object b, Object c) {
    }

    final List<Item> items;

    private GetItem(List<Item> items) {
        this.items = items;
    }

    public static GetItem create(OpArgs a) {
        // "index": null is x[None], not a missing index
        if (!a.node().args().containsKey("index")) throw new IllegalArgumentException("missing required argument 'index'");
        Object idx = a.raw("index");
        List<Item> items = new ArrayList<>();
        if (idx instanceof List<?> l) for (Object o : l) items.add(item(a, o));
        else items.add(item(a, idx));
        int ellipses = 0;
        for (Item it : items) if (it.kind() == Kind.ELLIPSIS) ellipses++;
        if (ellipses > 1) throw new IllegalArgumentException("an index can only have one ellipsis ('...')");
        return new GetItem(items);
    }

    private static Item item(OpArgs a, Object o) {
        if (o == null) return new Item(Kind.NEW, null, null, null);
        if ("...".equals(o)) return new Item(Kind.ELLIPSIS, null, null, null);
        if (o instanceof OpArgs.Ref) return new Item(Kind.INT, o, null, null);
        if (o instanceof Number) return new Item(Kind.INT, (long) a.intValue("index", o), null, null);
        if (o instanceof Map<?, ?> m && m.containsKey("slice") && m.get("slice") instanceof List<?> s && s.size() == 3) {
            Object[] v = new Object[3];
            for (int i = 0; i < 3; i++) {
                Object x = s.get(i);
                v[i] = x == null || x instanceof OpArgs.Ref ? x : (Object) (long) a.intValue("index", x);
            }
            if (v[2] instanceof Long st && st <= 0) throw new IllegalArgumentException("slice step must be positive, got " + st);
            return new Item(Kind.SLICE, v[0], v[1], v[2]);
        }
        throw new IllegalArgumentException("index item " + OpArgs.show(o) + " is not supported (ints, slices {\"slice\": [start, stop, step]}, "
                + "null and \"...\"; tensor indices are not)");
    }

    @Override
    public String name() {
        return "getitem";
    }

    /** The number of an item's field, or null when it is unknown (a size value not known yet) or absent. */
    private static Long number(Object o, List<ValueType> in, String what) {
        if (o == null) return null;
        if (o instanceof Long l) return l;
        ValueType v = in.get(((OpArgs.Ref) o).input());
        if (!v.isScalar() || v.dtype() != DType.I64) throw new IllegalArgumentException(what + " must be an integer, got " + v);
        return v.scalar() == null ? null : v.scalar().longValue();
    }

    private static boolean known(Object o, List<ValueType> in) {
        return o == null || o instanceof Long || in.get(((OpArgs.Ref) o).input()).scalar() != null;
    }

    /** Per result dimension: [size, source dim (-1 = new axis), start, step]; and for the ints, the fixed source offsets. */
    private record Selection(List<long[]> dims, List<long[]> fixed) {
    }

    private Selection select(long[] s, List<ValueType> in) {
        int consuming = 0;
        for (Item it : items) if (it.kind() == Kind.INT || it.kind() == Kind.SLICE) consuming++;
        if (consuming > s.length) throw new IllegalArgumentException("too many indices (" + consuming + ") for a tensor of rank " + s.length);
        List<Item> full = new ArrayList<>();
        boolean hasEllipsis = false;
        for (Item it : items) {
            if (it.kind() == Kind.ELLIPSIS) {
                hasEllipsis = true;
                for (int i = 0; i < s.length - consuming; i++) full.add(new Item(Kind.SLICE, null, null, null));
            } else {
                full.add(it);
            }
        }
        if (!hasEllipsis) for (int i = 0; i < s.length - consuming; i++) full.add(new Item(Kind.SLICE, null, null, null));
        List<long[]> dims = new ArrayList<>();
        List<long[]> fixed = new ArrayList<>();
        int d = 0;
        for (Item it : full) {
            switch (it.kind()) {
                case NEW -> dims.add(new long[]{1, -1, 0, 0});
                case INT -> {
                    long n = s[d];
                    Long i = number(it.a(), in, "index");
                    if (i != null && n >= 0) {
                        if (i < -n || i >= n) throw new IllegalArgumentException("index " + i + " is out of range for dimension " + d + " of size " + n);
                        fixed.add(new long[]{d, i < 0 ? i + n : i});
                    } else {
                        fixed.add(new long[]{d, -1});
                    }
                    d++;
                }
                case SLICE -> {
                    long n = s[d];
                    Long st = number(it.c(), in, "slice step");
                    long step = st == null ? 1 : st;
                    if (step <= 0) throw new IllegalArgumentException("slice step must be positive, got " + step);
                    boolean sure = n >= 0 && known(it.a(), in) && known(it.b(), in) && known(it.c(), in);
                    if (!sure) {
                        boolean whole = it.a() == null && it.b() == null && it.c() == null;
                        dims.add(new long[]{whole ? n : -1, d, 0, step});
                    } else {
                        long start = clamp(number(it.a(), in, "slice start"), 0, n), stop = clamp(number(it.b(), in, "slice stop"), n, n);
                        long len = stop > start ? (stop - start + step - 1) / step : 0;
                        dims.add(new long[]{len, d, start, step});
                    }
                    d++;
                }
                default -> throw new IllegalStateException();
            }
        }
        return new Selection(dims, fixed);
    }

    /** Python's slice bound: default when null, negatives from the end, clamped to [0, n]. */
    private static long clamp(Long v, long def, long n) {
        if (v == null) return def;
        long x = v < 0 ? v + n : v;
        return Math.max(0, Math.min(n, x));
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ValueType t = in.get(0);
        if (t.isScalar()) throw new IllegalArgumentException("cannot index the size value " + t);
        if (t.isTuple()) return List.of(tupleItem(t, in));
        Selection sel = select(t.dims(), in);
        long[] o = new long[sel.dims().size()];
        for (int i = 0; i < o.length; i++) o[i] = sel.dims().get(i)[0];
        return List.of(t.withShape(o));
    }

    private ValueType tupleItem(ValueType t, List<ValueType> in) {
        long[] s = t.dims();
        if (items.size() != 1) throw new IllegalArgumentException("a size tuple takes one index");
        Item it = items.get(0);
        if (it.kind() == Kind.INT) {
            Long i = number(it.a(), in, "index");
            if (i == null) return ValueType.integer(null);
            if (i < -s.length || i >= s.length) throw new IllegalArgumentException("index " + i + " is out of range for a tuple of " + s.length);
            long v = s[(int) (i < 0 ? i + s.length : i)];
            return v >= 0 ? ValueType.integer(v) : ValueType.symbolic(v);
        }
        if (it.kind() == Kind.SLICE) {
            Long st = number(it.c(), in, "slice step");
            if (!known(it.a(), in) || !known(it.b(), in) || !known(it.c(), in)) throw new IllegalArgumentException("a tuple slice needs known bounds");
            long step = st == null ? 1 : st;
            long start = clamp(number(it.a(), in, "start"), 0, s.length), stop = clamp(number(it.b(), in, "stop"), s.length, s.length);
            List<Long> out = new ArrayList<>();
            for (long i = start; i < stop; i += step) out.add(s[(int) i]);
            return ValueType.tuple(out.stream().mapToLong(Long::longValue).toArray());
        }
        throw new IllegalArgumentException("a size tuple takes an int or a slice");
    }

    @Override
    public String summary() {
        StringBuilder b = new StringBuilder("[");
        for (Item it : items) {
            if (b.length() > 1) b.append(", ");
            switch (it.kind()) {
                case NEW -> b.append("None");
                case ELLIPSIS -> b.append("...");
                case INT -> b.append(str(it.a()));
                case SLICE -> b.append(str(it.a())).append(':').append(str(it.b())).append(it.c() == null ? "" : ":" + str(it.c()));
            }
        }
        return b.append(']').toString();
    }

    private static String str(Object o) {
        return o == null ? "" : o instanceof OpArgs.Ref r ? "$" + r.input() : o.toString();
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return new Executable() {
            @Override
            public void prepare(Frame f) {
                if (f.in[0] < 0) return; // a size tuple: worked out while planning
                long[] s = f.inShape[0];
                List<ValueType> in = new ArrayList<>();
                for (int i = 0; i < f.inputs(); i++) {
                    in.add(f.in[i] >= 0 ? ValueType.tensor(f.inType[i], f.inShape[i])
                            : ValueType.integer(Double.isNaN(f.scalar[i]) ? null : (long) f.scalar[i]));
                }
                Selection sel = select(s, in);
                long[] st = Shape.strides(s);
                long base = 0;
                for (long[] fx : sel.fixed()) base += fx[1] * st[(int) fx[0]];
                long[] dims = new long[sel.dims().size()], strides = new long[dims.length];
                for (int i = 0; i < dims.length; i++) {
                    long[] x = sel.dims().get(i);
                    dims[i] = x[0];
                    strides[i] = x[1] < 0 ? 0 : st[(int) x[1]] * x[3];
                    if (x[1] >= 0) base += x[2] * st[(int) x[1]];
                }
                f.state = new StridedCopy(dims, strides, base);
            }

            @Override
            public void run(Frame f) {
                StridedCopy c = (StridedCopy) f.state;
                if (c == null) return;
                if (f.inType[0] != DType.F32) c.copy(f.ints, f.in[0], f.ints, f.out[0]);
                else c.copy(f.buf, f.in[0], f.buf, f.out[0]);
            }
        };
    }
}
