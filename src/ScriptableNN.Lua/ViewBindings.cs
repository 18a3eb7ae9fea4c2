using ScriptableNN.Tensors;
using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>
/// The C# half of strided views (<see cref="StridedView"/>): making one from geometry the
/// prelude computes, reading its geometry back, and moving its elements. The prelude's
/// metatable for views does the rest (which methods form views, which read or write).
/// </summary>
internal static class ViewBindings
{
    public static readonly Binding[] Functions =
    {
        new("make", 4, Make),
        new("info", 1, Info),
        new("gather", 1, Gather),
        new("scatter", 2, Scatter),
        new("get", 2, a => { var v = Vector(a); return a.Push((double)v.Base.Span[v.IndexOf(Element(a, v))]); }),
        new("set", 3, a => { var v = Vector(a); v.Base.Span[v.IndexOf(Element(a, v))] = a.Float(3); return 0; }),
        new("isView", 1, a => a.Push(a.Host.Objects.Get<StridedView>(a.L, 1, ObjectKind.View) != null)),
    };

    private static StridedView ViewOf(Args a, int i) =>
        a.Host.Objects.Get<StridedView>(a.L, i, ObjectKind.View) ?? throw a.Bad(i, "strided view");

    private static StridedView Vector(Args a)
    {
        var v = ViewOf(a, 1);
        if (v.Sizes.Length != 1) throw new ScriptError($"element access needs a one-dimensional view, got {v.ShapeText}");
        return v;
    }

    private static int Element(Args a, StridedView v)
    {
        int i = a.Int(2);
        if (i < 1 || i > v.Sizes[0]) throw new ScriptError($"index {i} out of range for a view of size {v.ShapeText} (valid: 1..{v.Sizes[0]})");
        return i - 1;
    }

    private static int Gather(Args a)
    {
        var v = ViewOf(a, 1);
        if (a.Host.MemoryCapped) a.Host.Reserve(4L * v.Length, "a copy of a " + v.ShapeText + " view");
        return a.Push(v.Gather());
    }

    // make(base, offset, sizes, strides): offset 0-based into base's elements.
    private static int Make(Args a)
    {
        var b = a.Host.Objects.Get<Tensor>(a.L, 1, ObjectKind.Tensor) ?? throw a.Bad(1, "tensor");
        var made = StridedView.Make(b, a.Int(2), Ints(a, 3), Ints(a, 4));
        if (made is Tensor t) return a.Push(t);
        a.Host.Objects.Push(a.L, made, ObjectKind.View);
        return 1;
    }

    private static int[] Ints(Args a, int idx)
    {
        if (a.Type(idx) != TTable) throw a.Bad(idx, "table");
        ulong n = lua_rawlen(a.L, idx);
        if (n > 4) throw new ScriptError($"a view has at most 4 dimensions, got {n}");
        var r = new int[n];
        for (int i = 0; i < (int)n; i++)
        {
            lua_rawgeti(a.L, idx, i + 1);
            try { r[i] = a.Int(-1); }
            finally { lua_settop(a.L, -2); }
        }
        return r;
    }

    // info(x) -> base, offset, sizes, strides: a view's geometry, or a tensor's as a view of itself.
    private static int Info(Args a)
    {
        if (lua_checkstack(a.L, 6) == 0) throw new ScriptError("view info: out of stack space");
        Tensor b; int offset; int[] sizes, strides;
        if (a.Host.Objects.Get<StridedView>(a.L, 1, ObjectKind.View) is { } v)
        {
            b = v.Base; offset = v.Offset; sizes = v.Sizes; strides = v.Strides;
        }
        else
        {
            b = a.Host.Objects.Get<Tensor>(a.L, 1, ObjectKind.Tensor) ?? throw a.Bad(1, "tensor");
            offset = 0; sizes = b.Shape.ToArray(); strides = new int[sizes.Length];
            int s = 1;
            for (int d = sizes.Length - 1; d >= 0; d--) { strides[d] = s; s *= sizes[d]; }
        }
        a.Push(b);
        a.Push((long)offset);
        PushInts(a.L, sizes);
        PushInts(a.L, strides);
        return 4;
    }

    private static void PushInts(IntPtr L, int[] values)
    {
        lua_createtable(L, values.Length, 0);
        for (int i = 0; i < values.Length; i++) { lua_pushinteger(L, values[i]); lua_rawseti(L, -2, i + 1); }
    }

    // scatter(view, tensor | number): the tensor's elements (row-major), or the number, written through the view.
    private static int Scatter(Args a)
    {
        var v = ViewOf(a, 1);
        if (a.Type(2) == TNumber) v.Fill(a.Float(2));
        else v.Scatter(a.Tensor(2));
        return 0;
    }
}
