using ScriptableNN.Autograd;
using ScriptableNN.Tensors;
using static ScriptableNN.Lua.Native;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Lua;

/// <summary>
/// torch.* and the Tensor methods. Indices are 1-based, as in Torch7. Methods named like
/// Torch7's in-place ones (add, mul, fill, exp, ...) change the tensor and return it; the
/// operators and torch.* functions return new tensors and are the ones autograd records.
/// </summary>
internal static unsafe class TensorBindings
{
    public static readonly Binding[] Functions =
    {
        new("new", 0, New),
        new("functions", 0, Functions_),
        new("zeros", 1, a => a.Push(Tensor.Zeros(NewShape(a, 1)))),
        new("ones", 1, a => a.Push(Tensor.Ones(NewShape(a, 1)))),
        new("rand", 1, a => a.Push(Tensor.Uniform(Rng.Global, 0f, 1f, NewShape(a, 1)))),
        new("randn", 1, a => a.Push(Tensor.Normal(Rng.Global, 0f, 1f, NewShape(a, 1)))),
        new("manualSeed", 1, a => { Rng.ManualSeed((ulong)a.Integer(1)); return 0; }),
        new("isTensor", 1, a => a.Push(a.Host.Objects.Get<Tensor>(a.L, 1, ObjectKind.Tensor) != null || a.Host.Objects.Get<StridedView>(a.L, 1, ObjectKind.View) != null)),
        new("binary", 3, Binary),
        new("unary", 2, UnaryNew),
        new("mm", 2, a => a.Push(MatMul(a, a.Tensor(1), a.Tensor(2)))),
        new("backward", 1, Backward),
    };

    public static readonly Binding[] Methods =
    {
        new("size", 1, Size),
        new("dim", 1, a => a.Push((long)a.Tensor(1).Rank)),
        new("nElement", 1, a => a.Push((long)a.Tensor(1).Length)),
        new("get", 2, Get),
        new("set", 3, Set),
        new("fill", 2, a => a.Push(a.Target(1).Fill(a.Float(2)))),
        new("zero", 1, a => a.Push(a.Target(1).Zero())),
        new("copy", 2, a => a.Push(a.Target(1).CopyFrom(a.Tensor(2)))),
        new("clone", 1, a => a.Push(a.Tensor(1).Clone())),
        new("view", 2, View),
        new("narrow", 4, Narrow),
        new("t", 1, Transpose),
        new("inplace", 3, InPlace),
        new("unaryInPlace", 2, UnaryInPlace),
        new("mm", 2, MmMethod),
        new("sum", 1, a => Reduce(a, 0)),
        new("mean", 1, a => Reduce(a, 1)),
        new("max", 1, a => Reduce(a, 2)),
        new("min", 1, a => Reduce(a, 3)),
        new("argmax", 1, ArgMax),
        new("tostring", 1, a => a.Push(a.Tensor(1).ToString())),
        new("totable", 1, ToTable),
        new("free", 1, a => { a.Host.Objects.Release(a.L, 1); return 0; }),
        new("requiresGrad", 1, RequiresGrad),
        new("grad", 1, a => a.Tensor(1).Grad is { } g ? a.Push(g) : a.Nil()),
        new("index", 4, Index),
        new("compare", 3, Compare),
        new("maskedSelect", 2, MaskedSelect),
        new("maskedFill", 3, MaskedFill),
        new("maskedCopy", 3, MaskedCopy),
        new("random", 3, RandomFill),
        new("resize", 2, Resize),
        new("cast", 2, Cast),
        new("at", 2, At),
        new("setAt", 3, SetAt),
    };

    // t[{i, j, ...}] with one number per dimension: the element, without building the row views
    // on the way (1-based; negative counts from the end, as Torch7's indexing operator).
    private static int At(Args a)
    {
        var t = a.Tensor(1);
        return a.Push((double)t.Span[Flat(a, t, 2)]);
    }

    // t[{i, j, ...}] = v: setAt(t, v, i, j, ...).
    private static int SetAt(Args a)
    {
        var t = a.Target(1);
        float v = a.Float(2);
        t.Span[Flat(a, t, 3)] = v;
        return 0;
    }

    // The table of indices at argument `at`, one per dimension, as a row-major position.
    private static int Flat(Args a, Tensor t, int at)
    {
        if (a.Type(at) != TTable) throw a.Bad(at, "table");
        int rank = t.Rank;
        if ((long)lua_rawlen(a.L, at) != rank) throw new ScriptError($"tensor index: {lua_rawlen(a.L, at)} indices for a {rank}-dimensional tensor");
        int flat = 0;
        for (int d = 0; d < rank; d++)
        {
            int size = t.Size(d);
            if (lua_rawgeti(a.L, at, d + 1) != TNumber) { lua_settop(a.L, -2); throw new ScriptError($"tensor index: dimension {d + 1} takes numbers"); }
            long i;
            try { i = a.Integer(-1); } finally { lua_settop(a.L, -2); }
            if (i < 0) i += size + 1;
            if (i < 1 || i > size) throw new ScriptError($"tensor index {i} outside 1..{size} (dimension {d + 1})");
            flat = flat * size + (int)(i - 1);
        }
        return flat;
    }

    // t:cast(typeName): every element cut toward zero as C casts to the integer type; bytes,
    // chars and shorts wrap around as their C types do; a long or int beyond 2^24 (which float32
    // storage cannot hold exactly) or a NaN or infinity is refused, naming the value.
    private static int Cast(Args a)
    {
        var t = a.Target(1);
        string name = a.String(2);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            double v = s[i];
            if (!double.IsFinite(v)) throw new ScriptError($"{name}: {v.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not an integer value");
            double c = Math.Truncate(v);
            switch (name)
            {
                case "torch.ByteTensor": c = Wrap(c, 256, 0); break;
                case "torch.CharTensor": c = Wrap(c, 256, -128); break;
                case "torch.ShortTensor": c = Wrap(c, 65536, -32768); break;
                case "torch.LongTensor" or "torch.IntTensor":
                    if (Math.Abs(c) > 16777216) throw new ScriptError($"{name}: {c:F0} is beyond 2^24, which float32 storage cannot hold exactly");
                    break;
                default: throw new ScriptError($"cast: '{name}' is not an integer tensor type");
            }
            s[i] = (float)c;
        }
        return a.Push(t);
    }

    // c modulo the type's range, into [low, low + range): two's complement wrap-around.
    private static double Wrap(double c, double range, double low)
    {
        double m = (c - low) % range;
        if (m < 0) m += range;
        return m + low;
    }

    // t:resize(sizes...) (Torch7's): t takes the new shape in place; growing allocates a new
    // storage (reserved under the memory cap first) and keeps the old elements first.
    private static int Resize(Args a)
    {
        var t = a.Target(1);
        if (t.RequiresGrad) throw new ScriptError("resize: the tensor requires grad (autograd records its shape); resize a plain tensor");
        var shape = NewShape(a, 2);
        var old = t.Memory.Storage;
        t.ResizeInPlace(shape);
        if (!ReferenceEquals(old, t.Memory.Storage)) a.Host.Objects.Restorage(a.L, 1, old, t.Memory.Storage);
        return a.Push(t);
    }

    // res:index(src, 1, idx): res[i] = src[idx[i]] for 1-based row indices (Torch7's index into res).
    // torch.lt/le/gt/ge/eq/ne(a, b): 1 where the comparison holds, else 0 (Torch7 returns a
    // ByteTensor; here a float tensor the prelude marks as a mask).
    private static int Compare(Args a)
    {
        string op = a.String(1);
        var x = a.Tensor(2);
        Tensor? y = a.Type(3) == TNumber ? null : a.Tensor(3);
        float v = y == null ? a.Float(3) : 0f;
        if (y != null && y.Length != x.Length) throw new ScriptError($"{op}: {x.ShapeText} and {y.ShapeText} differ in size");
        var r = Tensor.Zeros(x.Shape.ToArray());
        var xs = x.Span; var rs = r.Span;
        var ys = y == null ? ReadOnlySpan<float>.Empty : y.Span;
        for (int i = 0; i < xs.Length; i++)
        {
            float b = y == null ? v : ys[i];
            bool hold = op switch
            {
                "lt" => xs[i] < b, "le" => xs[i] <= b, "gt" => xs[i] > b, "ge" => xs[i] >= b, "eq" => xs[i] == b, "ne" => xs[i] != b,
                _ => throw new ScriptError($"unknown comparison '{op}'"),
            };
            rs[i] = hold ? 1f : 0f;
        }
        return a.Push(r);
    }

    private static ReadOnlySpan<float> Mask(Args a, Tensor t, int i, string who)
    {
        var m = a.Tensor(i);
        if (m.Length != t.Length) throw new ScriptError($"{who}: the mask has {m.Length} elements, the tensor {t.Length}");
        return m.Span;
    }

    // t:maskedSelect(mask) -> a new 1-D tensor of the elements where the mask is non-zero, in order.
    private static int MaskedSelect(Args a)
    {
        var t = a.Tensor(1);
        var m = Mask(a, t, 2, "maskedSelect");
        int n = 0;
        foreach (float x in m) if (x != 0) n++;
        var r = Tensor.Zeros(n);
        var ts = t.Span; var rs = r.Span;
        for (int i = 0, k = 0; i < m.Length; i++) if (m[i] != 0) rs[k++] = ts[i];
        return a.Push(r);
    }

    // t:maskedFill(mask, value): value where the mask is non-zero; returns t.
    private static int MaskedFill(Args a)
    {
        var t = a.Target(1);
        var m = Mask(a, t, 2, "maskedFill");
        float v = a.Float(3);
        var ts = t.Span;
        for (int i = 0; i < m.Length; i++) if (m[i] != 0) ts[i] = v;
        return a.Push(t);
    }

    // t:maskedCopy(mask, src): the masked elements of t, in order, from the first elements of src; returns t.
    private static int MaskedCopy(Args a)
    {
        var t = a.Target(1);
        var m = Mask(a, t, 2, "maskedCopy");
        var src = a.Tensor(3).Span;
        var ts = t.Span;
        int k = 0;
        for (int i = 0; i < m.Length; i++)
        {
            if (m[i] == 0) continue;
            if (k >= src.Length) throw new ScriptError($"maskedCopy: the mask selects more elements than the source's {src.Length}");
            ts[i] = src[k++];
        }
        return a.Push(t);
    }

    private static int Index(Args a)
    {
        var res = a.Target(1); var src = a.Tensor(2); var idx = a.Tensor(4);
        if (a.Int(3) != 1) throw new ScriptError("'index': only dimension 1 (rows) is supported");
        int rows = src.Size(0), width = src.Length / Math.Max(1, rows);
        if (res.Length != idx.Length * width) throw new ScriptError($"'index': result {res.ShapeText} does not hold {idx.Length} rows of {width}");
        var s = src.Span; var d = res.Span; var ix = idx.Span;
        for (int i = 0; i < ix.Length; i++)
        {
            int r = (int)ix[i] - 1;
            if (r < 0 || r >= rows) throw new ScriptError($"'index': row {ix[i]} out of range 1..{rows}");
            s.Slice(r * width, width).CopyTo(d.Slice(i * width, width));
        }
        return a.Push(res);
    }

    // t:random(lo, hi): whole numbers uniform in [lo, hi] from torch's generator.
    private static int RandomFill(Args a)
    {
        var t = a.Target(1);
        long lo = a.Integer(2), hi = a.Integer(3);
        if (hi < lo) throw new ScriptError($"'random': empty range [{lo}, {hi}]");
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = lo + Rng.Global.NextInt((int)(hi - lo + 1));
        return a.Push(t);
    }

    internal static int[] Shape(Args a, int from, bool allowInfer = false)
    {
        int n = a.Count - from + 1;
        if (n == 1 && a.Type(from) == TTable) return ShapeFromTable(a, from);
        var shape = new int[n];
        for (int i = 0; i < n; i++)
        {
            shape[i] = a.Int(from + i);
            if (shape[i] < 0 && !(allowInfer && shape[i] == -1)) throw new ScriptError($"bad argument #{from + i} to '{a.Name}' (size must not be negative, got {shape[i]})");
        }
        return shape;
    }

    private static int[] ShapeFromTable(Args a, int idx)
    {
        int n = (int)lua_rawlen(a.L, idx);
        var shape = new int[n];
        for (int i = 0; i < n; i++)
        {
            lua_rawgeti(a.L, idx, i + 1);
            shape[i] = (int)a.Integer(-1);
            lua_settop(a.L, -2);
        }
        return shape;
    }

    // torch.Tensor(): torch.Tensor(n, m, ...), torch.Tensor{...nested tables...}, torch.Tensor(otherTensor)
    private static int New(Args a)
    {
        if (a.Count == 0) return a.Push(Tensor.Zeros(0));
        if (a.Type(1) == TTable) return a.Push(FromTable(a, 1));
        if (a.Type(1) == TUserData) return a.Push(a.Tensor(1).Clone());
        return a.Push(Tensor.Zeros(NewShape(a, 1)));
    }

    // The shape of a new tensor: sizes checked, and its storage reserved under the memory cap
    // before anything is allocated.
    private static int[] NewShape(Args a, int from)
    {
        var shape = Shape(a, from);
        if (shape.Length > 4) throw new ScriptError($"'{a.Name}': {shape.Length} sizes given; a tensor has at most 4 dimensions");
        long n = 1;
        foreach (int d in shape) n = Math.Min(n * d, (long)int.MaxValue + 1);
        if (n > int.MaxValue) throw new ScriptError($"'{a.Name}': a tensor of size {string.Join("x", shape)} has more than {int.MaxValue} elements");
        a.Host.Reserve(4 * n, $"a tensor of size {string.Join("x", shape)}");
        return shape;
    }

    // Nested tables of numbers, rectangular, up to rank 4.
    internal static Tensor FromTable(Args a, int idx)
    {
        var shape = new List<int>();
        IntPtr L = a.L;
        int top = lua_gettop(L);
        lua_pushvalue(L, idx);
        // The first element of each level gives the shape; a cycle (t[1] = t) or deep nesting
        // stops at the fifth level instead of pushing without end.
        while (lua_type(L, -1) == TTable && shape.Count <= 4)
        {
            ulong n = lua_rawlen(L, -1);
            if (n > int.MaxValue) { lua_settop(L, top); throw new ScriptError($"'{a.Name}': a table of {n} elements is too long for a tensor"); }
            shape.Add((int)n);
            if (n == 0) break;
            lua_rawgeti(L, -1, 1);
        }
        lua_settop(L, top);
        if (shape.Count > 4) throw new ScriptError($"'{a.Name}': tables nested more than 4 deep (or a table that contains itself); a tensor has at most 4 dimensions");
        long elements = 1;
        foreach (var d in shape) elements *= d;
        a.Host.Reserve(4 * elements, $"a tensor of {elements} elements");
        var t = Tensor.Zeros(shape.ToArray());
        var span = t.Span;
        int pos = 0;
        Fill(a, idx, 0, shape, span, ref pos, "");
        return t;
    }

    private static void Fill(Args a, int idx, int depth, List<int> shape, Span<float> dst, ref int pos, string path)
    {
        IntPtr L = a.L;
        int n = (int)lua_rawlen(L, idx);
        if (n != shape[depth]) throw new ScriptError($"'{a.Name}': row {path}has {n} elements, expected {shape[depth]} (the table is not rectangular)");
        for (int i = 1; i <= n; i++)
        {
            int t = lua_rawgeti(L, idx, i);
            if (depth == shape.Count - 1)
            {
                if (t != TNumber) { lua_settop(L, -2); throw new ScriptError($"'{a.Name}': element [{path}{i}] is a {TypeName(t)}, expected a number"); }
                dst[pos++] = (float)lua_tonumberx(L, -1, null);
            }
            else
            {
                if (t != TTable) { lua_settop(L, -2); throw new ScriptError($"'{a.Name}': element [{path}{i}] is a {TypeName(t)}, expected a table"); }
                Fill(a, lua_gettop(L), depth + 1, shape, dst, ref pos, path + i + "][");
            }
            lua_settop(L, -2);
        }
    }

    private static int Size(Args a)
    {
        var t = a.Tensor(1);
        if (!a.IsNoneOrNil(2))
        {
            int d = a.Int(2);
            if (d < 1 || d > t.Rank) throw new ScriptError($"bad argument #1 to 'size' (dimension {d} out of range of a {t.Rank}D tensor)");
            return a.Push((long)t.Size(d - 1));
        }
        lua_createtable(a.L, t.Rank, 0);
        for (int i = 0; i < t.Rank; i++) { lua_pushinteger(a.L, t.Size(i)); lua_rawseti(a.L, -2, i + 1); }
        return 1;
    }

    private static int CheckIndex(Args a, Tensor t, int argIdx)
    {
        int i = a.Int(argIdx);
        int n = t.Size(0);
        if (i < 1 || i > n) throw new ScriptError($"index {i} out of range for a tensor of size {t.ShapeText} (valid: 1..{n})");
        return i - 1;
    }

    // t[i]: an element of a vector, a row view of anything larger.
    private static int Get(Args a)
    {
        var t = a.Tensor(1);
        int i = CheckIndex(a, t, 2);
        return t.Rank == 1 ? a.Push((double)t[i]) : a.Push(t.Select(i));
    }

    // t[i] = v: an element of a vector, a whole row of a matrix (a number fills it, a tensor copies).
    private static int Set(Args a)
    {
        var t = a.Target(1);
        int i = CheckIndex(a, t, 2);
        if (t.Rank == 1) { t[i] = a.Float(3); return 0; }
        var row = t.Select(i);
        if (a.Type(3) == TNumber) row.Fill(a.Float(3));
        else row.CopyFrom(a.Tensor(3));
        return 0;
    }

    private static int View(Args a) => a.Push(a.Tensor(1).Reshape(Shape(a, 2, allowInfer: true)));

    private static int Narrow(Args a)
    {
        var t = a.Tensor(1);
        if (a.Int(2) != 1) throw new ScriptError("'narrow': only dimension 1 (rows) can be narrowed without a copy");
        return a.Push(t.Narrow(a.Int(3) - 1, a.Int(4)));
    }

    private static int Transpose(Args a)
    {
        var t = a.Tensor(1);
        if (t.Rank != 2) throw new ScriptError($"'t': needs a 2D tensor, got {t.ShapeText}");
        int r = t.Size(0), c = t.Size(1);
        var d = Tensor.Zeros(c, r);
        var s = t.Span; var ds = d.Span;
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) ds[j * r + i] = s[i * c + j];
        return a.Push(d);
    }

    private static Tensor MatMul(Args a, Tensor x, Tensor y)
    {
        // Torch7: matrix x matrix, matrix x vector, vector . vector
        if (x.Rank == 2 && y.Rank == 2) a.Host.Reserve(4L * x.Rows * y.Cols, $"the product of {x.ShapeText} and {y.ShapeText}");
        if (x.Rank == 2 && y.Rank == 2) return RecordOrNot(x, y) ? Ops.MatMul(x, y) : Tensor.MatMul(x, y);
        bool grad = RecordOrNot(x, y);
        if (grad && x.Rank == 1 && y.Rank == 1) return Ops.Sum(Ops.Mul(x, y));
        if (grad) throw new ScriptError($"matrix product of {x.ShapeText} and {y.ShapeText} with autograd: use 2D tensors (view(n, 1))");
        if (x.Rank == 2 && y.Rank == 1)
        {
            var r = Tensor.MatMul(x, y.Reshape(y.Length, 1));
            return r.Reshape(r.Length);
        }
        if (x.Rank == 1 && y.Rank == 1)
        {
            if (x.Length != y.Length) throw new ScriptError($"dot: sizes {x.Length} and {y.Length} differ");
            return Tensor.Full(System.Numerics.Tensors.TensorPrimitives.Dot(x.Span, y.Span), 1);
        }
        throw new ScriptError($"matrix product of {x.ShapeText} and {y.ShapeText}: needs 2D x 2D, 2D x 1D or 1D x 1D");
    }

    private static bool RecordOrNot(Tensor x, Tensor y) => Tape.Current != null && (x.RequiresGrad || y.RequiresGrad);

    // t:mm(b) -> t * b as a new tensor; res:mm(a, b) -> a * b into res (Torch7).
    private static int MmMethod(Args a)
    {
        if (a.Count >= 3)
        {
            var res = a.Target(1);
            var x = a.Tensor(2);
            var y = a.Tensor(3);
            // res:mm(a, b) with res sharing storage with a or b: the product reads its inputs
            // while it writes res, so it goes through a scratch tensor.
            if (ReferenceEquals(res.Memory.Storage, x.Memory.Storage) || ReferenceEquals(res.Memory.Storage, y.Memory.Storage))
            {
                var tmp = Tensor.MatMul(x, y);
                if (tmp.Length != res.Length) throw new ScriptError($"mm: result {res.ShapeText} cannot hold the product {tmp.ShapeText}");
                tmp.Span.CopyTo(res.Span);
                return a.Push(res);
            }
            Tensor.MatMul(x, y, res);
            return a.Push(res);
        }
        return a.Push(MatMul(a, a.Tensor(1), a.Tensor(2)));
    }

    // torch.binary(op, x, y): the operators + - * / with numbers or tensors on either side.
    private static int Binary(Args a)
    {
        string op = a.String(1);
        bool xNum = a.Type(2) == TNumber, yNum = a.Type(3) == TNumber;
        if (op == "*" && !xNum && !yNum)
        {
            var r = MatMul(a, a.Tensor(2), a.Tensor(3));
            return r.Length == 1 && a.Tensor(2).Rank == 1 && !r.RequiresGrad ? a.Push((double)r[0]) : a.Push(r);
        }
        if (xNum && yNum) throw new ScriptError($"'{op}': no tensor among the operands");
        bool grad = Tape.Current != null && ((!xNum && a.Tensor(2).RequiresGrad) || (!yNum && a.Tensor(3).RequiresGrad));
        return a.Push(grad ? Recorded(a, op, xNum) : op switch
        {
            "+" => Plain<AddOp>(a, xNum, yNum), "-" => Plain<SubOp>(a, xNum, yNum),
            "*" or "cmul" => Plain<MulOp>(a, xNum, yNum), "/" or "cdiv" => Plain<DivOp>(a, xNum, yNum),
            "cmax" => Plain<MaximumOp>(a, xNum, yNum),
            _ => throw new ScriptError($"unknown operator '{op}'"),
        });
    }

    // x op y with either side a number, broadcasting as Tensor.Binary does.
    private static Tensor Plain<TOp>(Args a, bool xNum, bool yNum) where TOp : IBinaryOp =>
        xNum ? Tensor.Binary<TOp>(a.Float(2), a.Tensor(3))
        : yNum ? Tensor.Binary<TOp>(a.Tensor(2), a.Float(3))
        : Tensor.Binary<TOp>(a.Tensor(2), a.Tensor(3));

    // Recorded for autograd: a number becomes a single-element tensor, which Ops broadcasts on
    // the right; a number on the left is rewritten so it lands there (v - y = -y + v).
    private static Tensor Recorded(Args a, string op, bool xNum)
    {
        if (xNum)
        {
            float v = a.Float(2);
            var y = a.Tensor(3);
            return op switch
            {
                "+" => Ops.Add(y, Tensor.Full(v, 1)), "*" => Ops.Mul(y, Tensor.Full(v, 1)),
                "-" => Ops.Add(Ops.Neg(y), Tensor.Full(v, 1)), "/" => Ops.Div(Tensor.Full(v, y.Shape.ToArray()), y),
                _ => throw new ScriptError($"unknown operator '{op}'"),
            };
        }
        var x = a.Tensor(2);
        var r = a.Type(3) == TNumber ? Tensor.Full(a.Float(3), 1) : a.Tensor(3);
        return op switch
        {
            "+" => Ops.Add(x, r), "-" => Ops.Sub(x, r), "*" or "cmul" => Ops.Mul(x, r), "/" or "cdiv" => Ops.Div(x, r),
            _ => throw new ScriptError($"unknown operator '{op}'"),
        };
    }

    // t:inplace(op, v[, tensor]): add/mul/div/cmul/cdiv in place (Torch7's t:add(v), t:add(a, y), t:cmul(y)).
    private static int InPlace(Args a)
    {
        var t = a.Target(1);
        if (t.RequiresGrad) throw new ScriptError("in-place operation on a tensor that requires grad; use the operators or torch.* functions");
        string op = a.String(2);
        switch (op)
        {
            case "add":
                if (a.Type(3) == TNumber && !a.IsNoneOrNil(4)) t.AddScaled(a.Tensor(4), a.Float(3));     // t:add(alpha, y)
                else if (a.Type(3) == TNumber) Tensor.Binary<AddOp>(t, a.Float(3), t);
                else Tensor.Add(t, a.Tensor(3), t);
                break;
            case "sub":
                if (a.Type(3) == TNumber) Tensor.Binary<SubOp>(t, a.Float(3), t); else Tensor.Sub(t, a.Tensor(3), t);
                break;
            case "mul": Tensor.Binary<MulOp>(t, a.Float(3), t); break;
            case "div": Tensor.Binary<DivOp>(t, a.Float(3), t); break;
            case "cmul": Tensor.Mul(t, a.Tensor(3), t); break;
            case "cdiv": Tensor.Div(t, a.Tensor(3), t); break;
            case "clamp": t.Clamp(a.Float(3), a.Float(4), t); break;
            case "pow": t.Pow(a.Float(3), t); break;
            default: throw new ScriptError($"unknown in-place operation '{op}'");
        }
        return a.Push(t);
    }

    // torch.functions(): the names of the registered element-wise functions.
    private static int Functions_(Args a)
    {
        return a.PushStrings(PointwiseFunctions.Names);
    }

    // t:tanh(), t:exp()...: the element-wise function registered under the name.
    private static Tensor ApplyUnary(string op, Tensor x, Tensor? into) =>
        Tensor.Map(x, PointwiseFunctions.Named(op) ?? throw new ScriptError($"unknown function '{op}'"), into);

    // torch.exp(x) and friends: a new tensor, recorded when x requires grad.
    private static int UnaryNew(Args a)
    {
        string op = a.String(1);
        var x = a.Tensor(2);
        if (Tape.Current != null && x.RequiresGrad)
            return a.Push(op switch
            {
                "sum" => Ops.Sum(x), "mean" => Ops.Mean(x),
                "pow" => Ops.Pow(x, a.Float(3)),
                _ => Ops.Apply(x, PointwiseFunctions.Named(op) ?? throw new ScriptError($"'{op}' is not differentiable here")),
            });
        if (op == "sum") return a.Push(Tensor.Full(x.Sum(), 1));
        if (op == "mean") return a.Push(Tensor.Full(x.Mean(), 1));
        if (op == "pow") return a.Push(x.Pow(a.Float(3)));
        return a.Push(ApplyUnary(op, x, null));
    }

    private static int UnaryInPlace(Args a)
    {
        var t = a.Target(1);
        if (t.RequiresGrad) throw new ScriptError("in-place operation on a tensor that requires grad; use torch.* functions");
        ApplyUnary(a.String(2), t, t);
        return a.Push(t);
    }

    // sum/mean/max/min: over everything (a number), or along dim 1 or 2 of a matrix (Torch7: a tensor;
    // max/min also return the 1-based indices).
    private static int Reduce(Args a, int kind)
    {
        var t = a.Tensor(1);
        if (a.IsNoneOrNil(2))
            return a.Push((double)(kind switch { 0 => t.Sum(), 1 => t.Mean(), 2 => t.Max(), _ => t.Min() }));
        int dim = a.Int(2);
        if (t.Rank == 1 && dim == 1)
        {
            // Torch7: x:max(1) of a vector is a one-element tensor and its index (train-on-mnist's
            // `local _, target = sample[2]:max(1)`).
            var one = t.Reshape(1, t.Length);
            double acc1 = kind switch { 2 => double.NegativeInfinity, 3 => double.PositiveInfinity, _ => 0 };
            int at = 0;
            var sp = one.Span;
            for (int k = 0; k < sp.Length; k++)
            {
                if (kind <= 1) acc1 += sp[k];
                else if (kind == 2 ? sp[k] > acc1 : sp[k] < acc1) { acc1 = sp[k]; at = k; }
            }
            a.Push(Tensor.Full((float)(kind == 1 ? acc1 / Math.Max(1, sp.Length) : acc1), 1));
            if (kind >= 2) { a.Push(Tensor.Full(at + 1, 1)); return 2; }
            return 1;
        }
        if (t.Rank != 2 || dim is < 1 or > 2) throw new ScriptError($"'{a.Name}': dimension {dim} of a {t.ShapeText} tensor (1 of a vector; 1 or 2 of a matrix)");
        int rows = t.Size(0), cols = t.Size(1);
        int outer = dim == 1 ? cols : rows, inner = dim == 1 ? rows : cols;
        var vals = dim == 1 ? Tensor.Zeros(1, cols) : Tensor.Zeros(rows, 1);
        var idx = dim == 1 ? Tensor.Zeros(1, cols) : Tensor.Zeros(rows, 1);
        var s = t.Span;
        if (dim == 1)
        {
            ReduceColumns(s, rows, cols, kind, vals.Span, idx.Span);
            a.Push(vals);
            if (kind >= 2) { a.Push(idx); return 2; }
            return 1;
        }
        for (int o = 0; o < outer; o++)
        {
            double acc = kind switch { 2 => double.NegativeInfinity, 3 => double.PositiveInfinity, _ => 0 };
            int best = 0;
            for (int k = 0; k < inner; k++)
            {
                float v = dim == 1 ? s[k * cols + o] : s[o * cols + k];
                if (kind <= 1) acc += v;
                else if (kind == 2 ? v > acc : v < acc) { acc = v; best = k; }
            }
            vals[o] = (float)(kind == 1 ? acc / inner : acc);
            idx[o] = best + 1;
        }
        a.Push(vals);
        if (kind >= 2) { a.Push(idx); return 2; }
        return 1;
    }

    // Along dimension 1 the values are read row by row (a column walk strides through memory):
    // sums a block of rows at a time in float vectors, each block added in double; max and min
    // compare each row with the best so far, the first of equal values kept.
    private static void ReduceColumns(ReadOnlySpan<float> s, int rows, int cols, int kind, Span<float> vals, Span<float> idx)
    {
        if (kind <= 1)
        {
            const int Block = 256;
            var total = new double[cols];
            var acc = new float[cols];
            for (int start = 0; start < rows; start += Block)
            {
                Array.Clear(acc);
                for (int k = start, end = Math.Min(rows, start + Block); k < end; k++) TP.Add(acc, s.Slice(k * cols, cols), acc);
                for (int o = 0; o < cols; o++) total[o] += acc[o];
            }
            for (int o = 0; o < cols; o++) { vals[o] = (float)(kind == 1 ? total[o] / rows : total[o]); idx[o] = 1; }
            return;
        }
        var best = new float[cols];
        var at = new int[cols];
        Array.Fill(best, kind == 2 ? float.NegativeInfinity : float.PositiveInfinity);
        for (int k = 0; k < rows; k++)
        {
            var row = s.Slice(k * cols, cols);
            for (int o = 0; o < cols; o++)
                if (kind == 2 ? row[o] > best[o] : row[o] < best[o]) { best[o] = row[o]; at[o] = k; }
        }
        for (int o = 0; o < cols; o++) { vals[o] = best[o]; idx[o] = at[o] + 1; }
    }

    // argmax(): 1-based flat index; argmax(dim): 1-based indices along dim (per row for dim 2).
    private static int ArgMax(Args a)
    {
        var t = a.Tensor(1);
        if (a.IsNoneOrNil(2)) return a.Push((long)t.ArgMax() + 1);
        int dim = a.Int(2);
        if (dim == 2 || (dim == 1 && t.Rank == 1))
        {
            if (t.Rank == 1) return a.Push((long)t.ArgMax() + 1);
            var rows = t.ArgMaxRows();
            var r = Tensor.Zeros(rows.Length);
            for (int i = 0; i < rows.Length; i++) r[i] = rows[i] + 1;
            return a.Push(r);
        }
        Reduce(a, 2);
        return 1;
    }

    // t:totable(): nested tables to the tensor's full depth (a list of rows of ... of numbers).
    private static int ToTable(Args a)
    {
        var t = a.Tensor(1);
        IntPtr L = a.L;
        var s = t.Span;
        var shape = t.Shape.ToArray();
        // Lua's tables: 16 bytes a value plus 56 a table; the cap is checked before building.
        long tables = 1, level = 1;
        for (int d = 0; d < shape.Length - 1; d++) { level *= shape[d]; tables += level; }
        a.Host.Reserve(16L * t.Length + 56L * tables, $"totable of a {t.ShapeText} tensor");
        if (lua_checkstack(L, shape.Length + 4) == 0) throw new ScriptError("totable: out of stack space");
        int pos = 0;
        void Build(int d, ReadOnlySpan<float> values)
        {
            lua_createtable(L, shape[d], 0);
            for (int i = 0; i < shape[d]; i++)
            {
                if (d == shape.Length - 1) lua_pushnumber(L, values[pos++]);
                else Build(d + 1, values);
                lua_rawseti(L, -2, i + 1);
            }
        }
        Build(0, s);
        return 1;
    }

    private static int RequiresGrad(Args a)
    {
        var t = a.Target(1);
        if (a.IsNoneOrNil(2)) return a.Push(t.RequiresGrad);
        t.RequiresGrad = a.Bool(2);
        return a.Push(t);
    }

    // loss:backward(): back-propagate from a single-element tensor through the recorded ops.
    private static int Backward(Args a)
    {
        var t = a.Tensor(1);
        if (t.Length != 1 && a.IsNoneOrNil(2)) throw new ScriptError($"backward: the tensor has {t.Length} elements; backward starts from a single-element loss");
        if (!t.RequiresGrad) throw new ScriptError("backward: the tensor does not require grad (no input of it called requiresGrad(true))");
        a.Host.Tape.Backward(t, (float)a.OptNumber(2, 1.0));
        a.Host.Tape.Resume();
        return 0;
    }
}
