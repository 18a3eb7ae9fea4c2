using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ScriptableNN.Tensors;
using NN = ScriptableNN.NN;
using ScriptableNN.Losses;
using ScriptableNN.Optim;
using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>The body of a binding: reads its arguments, pushes its results, returns how many.</summary>
internal delegate int BindingBody(Args a);

/// <summary>One function a script can call: a name, the least number of arguments, the body.</summary>
internal readonly record struct Binding(string Name, int Arity, BindingBody Body);

/// <summary>
/// The arguments of one call from Lua and the means to answer it. Every read checks the Lua
/// type without raising (no luaL_check*), and a bad argument becomes a <see cref="ScriptError"/>
/// naming the argument and the function, as Lua's own messages do.
/// </summary>
internal readonly unsafe struct Args
{
    public readonly IntPtr L;
    public readonly LuaHost Host;
    public readonly string Name;

    public Args(IntPtr l, LuaHost host, string name) { L = l; Host = host; Name = name; }

    public int Count => lua_gettop(L);
    public int Type(int i) => lua_type(L, i);
    public bool IsNoneOrNil(int i) => lua_type(L, i) <= TNil;

    public ScriptError Bad(int i, string expected) =>
        new($"bad argument #{i} to '{Name}' ({expected} expected, got {TypeName(lua_type(L, i))})");

    /// <summary>A number, or a string that reads as one ("10", "0.5"), as Torch7's C functions accept (luaL_checknumber).</summary>
    public double Number(int i)
    {
        int ok;
        double v = lua_tonumberx(L, i, &ok);      // converts a numeric string without touching the stack
        if (ok == 0) throw Bad(i, "number");
        return v;
    }

    public float Float(int i) => (float)Number(i);

    public double OptNumber(int i, double def) => IsNoneOrNil(i) ? def : Number(i);

    /// <summary>An integer: a Lua integer, or a float with an integral value (3/1 arrives as 3.0).</summary>
    public long Integer(int i)
    {
        int exact;
        long n = lua_tointegerx(L, i, &exact);    // an integer, or a float or numeric string with an integral value
        if (exact != 0) return n;
        double v = Number(i);
        if (v != Math.Floor(v) || double.IsInfinity(v)) throw new ScriptError($"bad argument #{i} to '{Name}' (number has no integer representation: {v})");
        if (lua_isinteger(L, i) != 0) return lua_tointegerx(L, i, null);
        if (v >= 9.2233720368547758e18 || v < -9.2233720368547758e18) throw new ScriptError($"bad argument #{i} to '{Name}' (number out of range: {v})");
        return (long)v;
    }

    public int Int(int i)
    {
        long v = Integer(i);
        if (v < int.MinValue || v > int.MaxValue) throw new ScriptError($"bad argument #{i} to '{Name}' (number out of range: {v})");
        return (int)v;
    }

    public int OptInt(int i, int def) => IsNoneOrNil(i) ? def : Int(i);

    public bool Bool(int i) => lua_toboolean(L, i) != 0;

    public string String(int i)
    {
        if (lua_type(L, i) != TString) throw Bad(i, "string");
        return Native.ToString(L, i)!;
    }

    public string? OptString(int i) => IsNoneOrNil(i) ? null : String(i);

    /// <summary>
    /// A tensor argument to read: a strided view arrives as a contiguous copy of its elements.
    /// A binding that writes into its argument takes it with <see cref="Target"/> instead.
    /// </summary>
    public Tensor Tensor(int i) => Host.Objects.Get<Tensor>(L, i, ObjectKind.Tensor) ?? ViewCopy(i) ?? throw Bad(i, "tensor");

    /// <summary>A tensor argument the binding writes into: a strided view is refused (a copy would lose the write).</summary>
    public Tensor Target(int i)
    {
        var t = Host.Objects.Get<Tensor>(L, i, ObjectKind.Tensor);
        if (t != null) return t;
        if (Host.Objects.Get<StridedView>(L, i, ObjectKind.View) != null)
            throw new ScriptError($"'{Name}' cannot write into a strided view directly (argument #{i}); call it as a method of the view");
        throw Bad(i, "tensor");
    }

    private Tensor? ViewCopy(int i)
    {
        var v = Host.Objects.Get<StridedView>(L, i, ObjectKind.View);
        if (v == null) return null;
        if (Host.MemoryCapped) Host.Reserve(4L * v.Length, "a copy of a " + v.ShapeText + " view");
        return v.Gather();
    }
    public Tensor? OptTensor(int i) => IsNoneOrNil(i) ? null : Tensor(i);
    public NN.Module Module(int i) => Host.Objects.Get<NN.Module>(L, i, ObjectKind.Module) ?? throw Bad(i, "module");
    public Criterion Criterion(int i) => Host.Objects.Get<Criterion>(L, i, ObjectKind.Criterion) ?? throw Bad(i, "criterion");
    public Optimizer Optimizer(int i) => Host.Objects.Get<Optimizer>(L, i, ObjectKind.Optimizer) ?? throw Bad(i, "optimizer");
    public Training.Trainer Trainer(int i) => Host.Objects.Get<Training.Trainer>(L, i, ObjectKind.Trainer) ?? throw Bad(i, "trainer");
    public Inference.CompiledNetwork Compiled(int i) => Host.Objects.Get<Inference.CompiledNetwork>(L, i, ObjectKind.Compiled) ?? throw Bad(i, "compiled network");

    /// <summary>The number at key <paramref name="key"/> of the table at <paramref name="i"/>, or <paramref name="def"/>.</summary>
    public double Field(int i, string key, double def)
    {
        if (lua_type(L, i) != TTable) return def;
        int t = RawField(L, i, key);
        try
        {
            if (t == TNil) return def;
            if (t == TBoolean) return lua_toboolean(L, -1) != 0 ? 1 : 0;
            int ok;
            double v = lua_tonumberx(L, -1, &ok);
            if (ok == 0) throw new ScriptError($"bad field '{key}' in argument #{i} to '{Name}' (number expected, got {TypeName(t)})");
            return v;
        }
        finally { lua_settop(L, -2); }
    }

    /// <summary>The engine object of <paramref name="kind"/> at key <paramref name="key"/> of the table at <paramref name="i"/>, or null.</summary>
    public T? ObjectField<T>(int i, string key, ObjectKind kind) where T : class
    {
        RawField(L, i, key);
        try { return Host.Objects.Get<T>(L, -1, kind); }
        finally { lua_settop(L, -2); }
    }

    /// <summary>Pushes <paramref name="items"/> as a Lua list.</summary>
    public int PushStrings(IReadOnlyList<string> items)
    {
        if (lua_checkstack(L, 2) == 0) throw new ScriptError($"{Name}: out of stack space");
        lua_createtable(L, items.Count, 0);
        for (int k = 0; k < items.Count; k++) { PushString(L, items[k]); lua_rawseti(L, -2, k + 1); }
        return 1;
    }

    public int Nil() { lua_pushnil(L); return 1; }
    public int Push(double v) { lua_pushnumber(L, v); return 1; }
    public int Push(long v) { lua_pushinteger(L, v); return 1; }
    public int Push(bool v) { lua_pushboolean(L, v ? 1 : 0); return 1; }
    public int Push(string v) { PushString(L, v); return 1; }
    public int Push(Tensor v)
    {
        if (Host.MemoryCapped && !Host.Objects.Holds(v)) Host.Reserve(4L * v.Memory.Storage.Length, "a tensor of " + v.ShapeText);
        Host.Objects.Push(L, v, ObjectKind.Tensor);
        return 1;
    }
    public int Push(NN.Module v) { Host.Objects.Push(L, v, ObjectKind.Module); return 1; }
    public int Push(Criterion v) { Host.Objects.Push(L, v, ObjectKind.Criterion); return 1; }
    public int Push(Optimizer v) { Host.Objects.Push(L, v, ObjectKind.Optimizer); return 1; }
    public int Push(Training.Trainer v) { Host.Objects.Push(L, v, ObjectKind.Trainer); return 1; }
    public int Push(Inference.CompiledNetwork v) { Host.Objects.Push(L, v, ObjectKind.Compiled); return 1; }
    public int Push(RL.VectorEnvironment v) { Host.Objects.Push(L, v, ObjectKind.Environment); return 1; }
    public int Push(RL.Agent v) { Host.Objects.Push(L, v, ObjectKind.Agent); return 1; }
    public RL.VectorEnvironment Environment(int i) => Host.Objects.Get<RL.VectorEnvironment>(L, i, ObjectKind.Environment) ?? throw Bad(i, "environment");
    public RL.Agent RLAgent(int i) => Host.Objects.Get<RL.Agent>(L, i, ObjectKind.Agent) ?? throw Bad(i, "agent");
}

/// <summary>The kinds of C# objects a script holds, each with its own metatable.</summary>
internal enum ObjectKind { Tensor, Module, Criterion, Optimizer, Trainer, Compiled, Environment, Agent, View }

/// <summary>
/// C# objects held by Lua: each is a full userdata with a GCHandle, one metatable per kind,
/// and __gc to free the handle. The same object pushed twice is the same userdata (a weak
/// cache), so identity holds in Lua and a hot push allocates nothing.
/// </summary>
internal sealed unsafe class ObjectTable
{
    private static readonly string[] Metatables = { "snn.Tensor", "snn.Module", "snn.Criterion", "snn.Optimizer", "snn.Trainer", "snn.Compiled", "snn.Environment", "snn.Agent", "snn.TensorView" };
    private readonly ConditionalWeakTable<object, StrongBox<long>> _ids = new();
    private long _nextId = 1;
    private long _liveHandles;

    public static string MetatableName(ObjectKind kind) => Metatables[(int)kind];

    /// <summary>Handles currently held by Lua userdata.</summary>
    public long LiveHandles => Interlocked.Read(ref _liveHandles);

    /// <summary>Tensor bytes handed to Lua between two full collections of its heap.</summary>
    internal static long CollectEveryBytes = 64L << 20;
    private long _tensorBytes;

    public void Push(IntPtr L, object o, ObjectKind kind)
    {
        // Lua sees a tensor as a few bytes of userdata, so on its own it would rarely collect
        // the tensors a loop drops: collect after every 64 MB of tensor storage handed out.
        if (_tensorBytes > CollectEveryBytes)
        {
            _tensorBytes = 0;
            lua_gc(L, GcCollect, 0, 0, 0);
        }
        long id = _ids.GetValue(o, _ => new StrongBox<long>(Interlocked.Increment(ref _nextId))).Value;
        PushRef(L, CacheRef);
        if (lua_rawgeti(L, -1, id) == TUserData && *(IntPtr*)lua_touserdata(L, -1) != IntPtr.Zero)
        {
            RemoveBelowTop(L);
            return;
        }
        lua_settop(L, -2);                                  // pop the nil (or freed userdata)
        object? storages = null;        // one float[] for a tensor, float[][] for a module
        if (o is Tensor t)
        {
            _tensorBytes += 4L * t.Length;
            storages = t.Memory.Storage;
        }
        else if (o is StridedView v)
        {
            storages = v.Base.Memory.Storage;
        }
        else if (o is NN.Module m)
        {
            var list = new List<float[]>();
            foreach (var q in m.Parameters()) { list.Add(q.Value.Memory.Storage); list.Add(q.Grad.Memory.Storage); }
            storages = list.ToArray();
        }
        var p = (IntPtr*)lua_newuserdatauv(L, (nuint)sizeof(IntPtr), 0);
        *p = GCHandle.ToIntPtr(GCHandle.Alloc(o));
        if (storages is float[] one) Hold(one);
        else if (storages is float[][] many) foreach (var st in many) Hold(st);
        if (storages != null) _storagesOf[*p] = storages;
        Interlocked.Increment(ref _liveHandles);
        PushRef(L, _metatableRefs[(int)kind]);
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, id);                             // cache[id] = ud
        RemoveBelowTop(L);
    }

    // ... cache ud -> ... ud
    private static void RemoveBelowTop(IntPtr L)
    {
        lua_copy(L, -1, -2);         // ... ud ud
        lua_settop(L, -2);           // ... ud
    }

    // The address of each kind's metatable: tables never move, so an identity check is a
    // pointer comparison, with no registry lookup by name. The registry slots (Native.Ref)
    // of the metatables and of the weak cache of userdata give raw, by-number access.
    private readonly IntPtr[] _metatables = new IntPtr[Metatables.Length];
    private readonly int[] _metatableRefs = new int[Metatables.Length];

    /// <summary>Registry slot of the weak table id -> userdata.</summary>
    internal int CacheRef;

    /// <summary>Records the metatable on top of the stack (popped) for <paramref name="kind"/>.</summary>
    internal void RememberMetatable(IntPtr L, ObjectKind kind)
    {
        _metatables[(int)kind] = lua_topointer(L, -1);
        _metatableRefs[(int)kind] = Ref(L);
    }

    public T? Get<T>(IntPtr L, int idx, ObjectKind kind) where T : class
    {
        if (lua_type(L, idx) != TUserData || lua_getmetatable(L, idx) == 0) return null;
        IntPtr mt = lua_topointer(L, -1);
        PopPushed(L, -2);
        if (mt != _metatables[(int)kind]) return null;
        IntPtr h = *(IntPtr*)lua_touserdata(L, idx);
        if (h == IntPtr.Zero) throw new ScriptError($"this {kind.ToString().ToLowerInvariant()} was freed");
        return (T)GCHandle.FromIntPtr(h).Target!;
    }

    // Tensor storage a script holds (its tensors, and the parameters and gradients of its
    // modules), counted once per storage array however many views and modules share it: the
    // memory cap covers it (Lua's own heap never sees it).
    private readonly Dictionary<float[], int> _held = new(ReferenceEqualityComparer.Instance);

    /// <summary>Bytes of tensor storage held by Lua userdata now.</summary>
    public long TensorBytes { get; private set; }

    // What each userdata (by its handle) holds, released exactly when its handle is.
    private readonly Dictionary<IntPtr, object> _storagesOf = new();

    /// <summary>Whether Lua already holds <paramref name="t"/>'s storage (so pushing it costs nothing new).</summary>
    public bool Holds(Tensor t) => _held.ContainsKey(t.Memory.Storage);

    private void Hold(float[] storage)
    {
        _held.TryGetValue(storage, out int refs);
        if (refs == 0) TensorBytes += 4L * storage.Length;
        _held[storage] = refs + 1;
    }

    private void Drop(float[] storage)
    {
        if (!_held.TryGetValue(storage, out int refs)) return;
        if (refs <= 1) { _held.Remove(storage); TensorBytes -= 4L * storage.Length; }
        else _held[storage] = refs - 1;
    }

    /// <summary>
    /// The tensor of the userdata at <paramref name="idx"/> moved from storage <paramref name="old"/>
    /// to <paramref name="now"/> (a resize that grew it): the memory cap counts the new one.
    /// </summary>
    public void Restorage(IntPtr L, int idx, float[] old, float[] now)
    {
        if (lua_type(L, idx) != TUserData) return;
        var p = (IntPtr*)lua_touserdata(L, idx);
        if (p == null || *p == IntPtr.Zero) return;
        if (!_storagesOf.TryGetValue(*p, out var held) || !ReferenceEquals(held, old)) return;
        Drop(old);
        Hold(now);
        _storagesOf[*p] = now;
    }

    /// <summary>Frees the handle of the userdata at <paramref name="idx"/> (its __gc, or an explicit free).</summary>
    public void Release(IntPtr L, int idx)
    {
        if (lua_type(L, idx) != TUserData) return;
        var p = (IntPtr*)lua_touserdata(L, idx);
        if (p == null || *p == IntPtr.Zero) return;
        var handle = GCHandle.FromIntPtr(*p);
        if (_storagesOf.Remove(*p, out var storages))
        {
            if (storages is float[] one) Drop(one);
            else foreach (var st in (float[][])storages) Drop(st);
        }
        handle.Free();
        *p = IntPtr.Zero;
        Interlocked.Decrement(ref _liveHandles);
    }
}
