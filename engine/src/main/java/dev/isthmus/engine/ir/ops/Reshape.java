package dev.isthmus.engine.ir.ops;

import dev.isthmus.engine.ir.Executable;
import dev.isthmus.engine.ir.Op;
import dev.isthmus.engine.ir.OpArgs;
import dev.isthmus.engine.ir.ShapeRules;
import dev.isthmus.engine.ir.ValueType;
import dev.isthmus.engine.kernels.KernelProvider;
import dev.isthmus.engine.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * Ops whose result is their input's memory under another shape (no copy): {@code view}, {@code reshape},
 * {@code flatten} / {@code Flatten}, {@code squeeze}, {@code unsqueeze}, and the identities at inference
 * ({@code Identity}, {@code Dropout}, {@code dropout}, {@code contiguous}, {@code stochastic_depth}, {@code clone},
 * {@code detach}). A {@code view} shape may hold size values ({@code x.view(x.size(0), -1)}).
 */
public final class Reshape implements Op {
    enum Kind { IDENTITY, VIEW, FLATTEN, SQUEEZE, UNSQUEEZE }

    final String name;
    final Kind kind;
    /** VIEW: each item a Long size (-1 = inferred) or an {@link OpArgs.Ref}. */
    final List<Object> shape;
    /** FLATTEN: start and end; SQUEEZE: the dim (null = all size-1 dims); UNSQUEEZE: the dim. */
    final Integer a, b;

    private Reshape(String name, Kind kind, List<Object> shape, Integer a, Integer b) {
        this.name = name;
        this.kind = kind;
        this.shape = shape;
        this.a = a;
        this.b = b;
    }

    public static Reshape identity(String name) {
        return new Reshape(name, Kind.IDENTITY, null, null, null);
    }

    public static Reshape flatten(String name, int start, int end) {
        return new Reshape(name, Kind.FLATTEN, null, start, end);
    }

    public static Reshape squeeze(Integer dim) {
        return new Reshape("squeeze", Kind.SQUEEZE, null, dim, null);
    }

    public static Reshape unsqueeze(int dim) {
        return new Reshape("unsqueeze", Kind.UNSQUEEZE, null, dim, null);
    }

    /** {@code view} / {@code reshape} from the argument {@code shape} (or {@code size}). */
    public static Reshape view(String name, OpArgs a) {
        Object v = a.has("shape") ? a.raw("shape") : a.raw("size");
        if (v == null) throw new IllegalArgumentException("missing required argument 'shape'");
        List<Object> items = new ArrayList<>();
        if (v instanceof List<?> l) items.addAll(l);
        else items.add(v);
        int free = 0;
        for (int i = 0; i < items.size(); i++) {
            Object o = items.get(i);
            if (o instanceof OpArgs.Ref) continue;
            long d = a.intValue("shape", o);
            if (d < -1) throw new IllegalArgumentException("shape " + OpArgs.show(v) + " has a negative size");
            if (d == -1 && ++free > 1) throw new IllegalArgumentException("shape " + OpArgs.show(v) + " has more than one -1");
            items.set(i, d);
        }
        return new Reshape(name, Kind.VIEW, items, null, null);
    }

    /** A view to a fixed shape (frontends). */
    public static Reshape to(long... s) {
        List<Object> items = new ArrayList<>();
        for (long d : s) items.add(d);
        return new Reshape("view", Kind.VIEW, items, null, null);
    }

    @Override
    public String name() {
        return name;
    }

    /** True for the identities (no shape change at all). */
    public boolean isIdentity() {
        return kind == Kind.IDENTITY;
    }

    @Override
    public boolean isView() {
        return true;
    }

    @Override
    public List<ValueType> infer(List<ValueType> in) {
        ValueType t = ShapeRules.tensor(in, 0);
        long[] s = t.dims();
        if (kind != Kind.VIEW) ShapeRules.arity(in, 1, 1);
        long[] o = switch (kind) {
            case IDENTITY -> s.clone();
            case FLATTEN -> flattenShape(s);
            case SQUEEZE -> squeezeShape(s);
            case UNSQUEEZE -> {
                int d = ShapeRules.axis(a, s.length + 1);
                long[] r = new long[s.length + 1];
                for (int i = 0, j = 0; i < r.length; i++) r[i] = i == d ? 1 : s[j++];
                yield r;
            }
            case VIEW -> viewShape(s, in);
        };
        return List.of(t.withShape(o));
    }

    private long[] flattenShape(long[] s) {
        if (s.length == 0) return new long[]{1};
        int st = ShapeRules.axis(a, s.length), en = ShapeRules.axis(b, s.length);
        if (st > en) throw new IllegalArgumentException("start_dim " + a + " comes after end_dim " + b + " for " + Shape.toString(s));
        long[] o = new long[s.length - (en - st)];
        for (int i = 0; i < st; i++) o[i] = s[i];
        long m = 1;
        for (int i = st; i <= en; i++) m = ShapeRules.mul(m, s[i]);
        o[st] = m;
        for (int i = en + 1; i < s.length; i++) o[i - (en - st)] = s[i];
        return o;
    }

    private long[] squeezeShape(long[] s) {
        List<Long> o = new ArrayList<>();
        if (a != null) {
            int d = ShapeRules.axis(a, s.length);
            if (s.length == 0) return s.clone();
            for (int i = 0; i < s.length; i++) {
                if (i == d && s[i] < 0) throw new IllegalArgumentException("squeeze(" + a + ") of a dimension whose size is not known at load");
                if (i != d || s[i] != 1) o.add(s[i]);
            }
        } else {
            for (long d : s) {
                if (d < 0) throw new IllegalArgumentException("squeeze() of " + Shape.toString(s) + ": a size is not known at load; give dim");
                if (d != 1) o.add(d);
            }
        }
        return o.stream().mapToLong(Long::longValue).toArray();
    }

    private long[] viewShape(long[] s, List<ValueType> in) {
        long[] o = new long[shape.size()];
        int free = -1;
        boolean unknown = false;
        for (int i = 0; i < o.length; i++) {
            Object x = shape.get(i);
            if (x instanceof OpArgs.Ref r) {
                ValueType v = in.get(r.input());
                if (!v.isScalar() || v.dtype() != dev.isthmus.engine.tensor.DType.I64) {
                    throw new IllegalArgumentException("shape item " + i + " must be an integer size value, got " + v);
                }
                Number n = v.scalar();
                if (n == null) {
                    o[i] = v.symbol() <= -2 ? v.symbol() : -1; // a free dimension by name, or a size nobody can name
                    unknown = true;
                } else {
                    o[i] = n.longValue();
                    if (o[i] == -1) free = i;
                    else if (o[i] < 0) throw new IllegalArgumentException("shape item " + i + " is negative: " + o[i]);
                }
            } else {
                o[i] = (Long) x;
                if (o[i] == -1) free = i;
            }
        }
        long numel = ShapeRules.numel(s);
        if (free >= 0) {
            o[free] = inferred(s, o, free);
        } else if (numel >= 0 && !unknown) {
            long n = Shape.numel(o);
            if (n != numel) {
                throw new IllegalArgumentException("shape " + Shape.toString(o) + " is invalid for an input of " + numel + " elements "
                        + Shape.toString(s));
            }
        }
        return o;
    }

    /**
     * The size of the −1 in {@code o} for an input of shape {@code s}: the input's elements over the other items',
     * where free dimensions (symbols) cancel — {@code x.view(x.size(0), -1)} of a (b, 3, 4) input is 12 — or −1 when
     * an unknown size remains.
     */
    private static long inferred(long[] s, long[] o, int free) {
        long in = 1, out = 1;
        java.util.List<Long> symbols = new java.util.ArrayList<>();
        for (long d : s) {
            if (d == -1) return -1;
            if (d <= -2) symbols.add(d);
            else in *= d;
        }
        for (int i = 0; i < o.length; i++) {
            if (i == free) continue;
            if (o[i] == -1) return -1;
            if (o[i] <= -2) {
                if (!symbols.remove(o[i])) return -1;
            } else {
                out *= o[i];
            }
        }
        if (!symbols.isEmpty()) return -1;
        if (out == 0 || in % out != 0) {
            String n = ShapeRules.numel(s) >= 0 ? ShapeRules.numel(s) + " elements " : "";
            throw new IllegalArgumentException("shape " + Shape.toString(o) + " is invalid for an input of " + n + Shape.toString(s));
        }
        return in / out;
    }

    @Override
    public String summary() {
        return switch (kind) {
            case IDENTITY -> "";
            case VIEW -> "shape " + shape;
            case FLATTEN -> "start_dim " + a + ", end_dim " + b;
            case SQUEEZE -> a == null ? "" : "dim " + a;
            case UNSQUEEZE -> "dim " + a;
        };
    }

    @Override
    public Executable compile(KernelProvider kernels) {
        return Executable.NOTHING;
    }
}
