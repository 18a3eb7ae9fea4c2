using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using KeraLua;
using ScriptableNN.Autograd;
using Kernels = ScriptableNN.Kernels;
using ScriptableNN.Losses;
using ScriptableNN.Optim;
using ScriptableNN.Tensors;
using static ScriptableNN.Lua.Native;
using Module = ScriptableNN.NN.Module;

namespace ScriptableNN.Lua;

/// <summary>
/// A Lua 5.4 state that runs ScriptableNN scripts: the Torch7-style API (torch, nn, optim)
/// preloaded, a sandbox by default, instruction and time budgets enforced by a count hook that
/// yields the script's coroutine, and a memory cap enforced by the allocator. Script errors
/// arrive as <see cref="LuaScriptException"/> with chunk, line and traceback. A host belongs to
/// the thread that created it.
/// </summary>
public sealed unsafe partial class LuaHost : IDisposable
{
    private const int HookInterval = 1000;
    internal static readonly IntPtr ErrorSentinel = (IntPtr)0x5C41E770;

    private readonly KeraLua.Lua _lua;
    private readonly IntPtr _L;
    private readonly int _ownerThread;
    private readonly LuaAlloc _allocator;            // kept alive: native code holds pointers to them
    private readonly LuaHookFunction _hook;
    private GCHandle _self;
    private bool _disposed;

    // Hosts not yet disposed. KeraLua's state object has a finalizer that closes the state, and
    // closing calls our allocator delegate: were the host (and so the delegate) collected first,
    // that call would jump into freed code. Rooting the host until Dispose makes a forgotten
    // Dispose a leak instead of a crash.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<LuaHost, byte> Live = new();

    private long _memoryUsed;
    private readonly long _memoryLimit;
    internal int CallbackDepth;

    private long _instructions;
    private long _budget;
    private long _deadline;
    private bool _budgetHit;
    private string _budgetWhat = "";

    internal readonly ObjectTable Objects = new();
    internal readonly Tape Tape = new() { RecordsModules = false };

    /// <summary>The options the host was created with.</summary>
    public LuaHostOptions Options { get; }

    /// <summary>How many fits have logged into <see cref="LuaHostOptions.LogDirectory"/>.</summary>
    internal int FitsLogged;

    /// <summary>Bytes Lua's heap holds now.</summary>
    public long MemoryUsed => Interlocked.Read(ref _memoryUsed);

    /// <summary>GCHandles held by Lua userdata now (tensors, modules, ...).</summary>
    public long LiveHandles => Objects.LiveHandles;

    /// <summary>Creates a state with the API loaded.</summary>
    public LuaHost(LuaHostOptions? options = null)
    {
        Options = options ?? new LuaHostOptions();
        _ownerThread = Environment.CurrentManagedThreadId;
        _memoryLimit = Options.MemoryLimit ?? 0;
        _allocator = Allocate;
        _hook = Hook;
        _lua = new KeraLua.Lua(_allocator, IntPtr.Zero);
        _lua.Encoding = Encoding.UTF8;
        _L = _lua.Handle;
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        Live[this] = 0;
        Rng.Global.Reseed(Options.Seed);
        OpenLibraries();
        RegisterBindings();
        LoadPrelude();
        _lua.NewTable();
        _stoppedRef = Ref(_L);
        // Lua 5.4 sends every instruction through its hook check while a count hook is set
        // (plain Lua code runs about half as fast), and the hook has work only under a budget or
        // a timeout: a host created without either runs with no hook at all.
        _metered = Options.InstructionBudget != null || Options.Timeout != null;
        if (_metered) _lua.SetHook(_hook, LuaHookMask.Count, HookInterval);
    }

    private readonly bool _metered;

    // ---- memory ----------------------------------------------------------------------

    // Lua's allocator. The cap holds only while the script's own Lua code runs (_capped and no
    // C# callback under way): there a refusal becomes Lua's "not enough memory" error, raised in
    // protected mode. Everywhere else (the host's pushes, messages and tracebacks, a binding's
    // pushes) growth is allowed, because a refusal there would raise a Lua error over a C#
    // frame; bindings that build large Lua values reserve their size first (Reserve), so the
    // headroom they take is a few small values. Shrinks are never refused.
    private IntPtr Allocate(IntPtr ud, IntPtr ptr, UIntPtr osize, UIntPtr nsize)
    {
        try
        {
            long oldSize = ptr == IntPtr.Zero ? 0 : (long)(ulong)osize;
            if (nsize == UIntPtr.Zero)
            {
                if (ptr != IntPtr.Zero) { NativeMemory.Free((void*)ptr); _memoryUsed -= oldSize; }
                return IntPtr.Zero;
            }
            long grow = (long)(ulong)nsize - oldSize;
            if (grow > 0 && _memoryLimit > 0 && _capped && CallbackDepth == 0 && _memoryUsed + Objects.TensorBytes + grow > _memoryLimit)
            {
                _memoryHit = true;
                return IntPtr.Zero;
            }
            var p = NativeMemory.Realloc((void*)ptr, nsize);
            if (p == null) return IntPtr.Zero;
            _memoryUsed += grow;
            if (grow > 0 && _memoryUsed + Objects.TensorBytes > _memoryPeak) _memoryPeak = _memoryUsed + Objects.TensorBytes;
            return (IntPtr)p;
        }
        catch
        {
            return IntPtr.Zero;
        }
    }

    private bool _capped;
    private bool _memoryHit;

    /// <summary>
    /// Makes room for <paramref name="bytes"/> more under the memory cap (Lua heap plus tensor
    /// storage held by the script), collecting Lua's garbage first when needed; a script error
    /// naming the cap when there is no room.
    /// </summary>
    internal void Reserve(long bytes, string what)
    {
        if (_memoryLimit <= 0 || bytes < 0) return;
        if (_memoryUsed + Objects.TensorBytes + bytes <= _memoryLimit) return;
        lua_gc(_L, GcCollect, 0, 0, 0);
        if (_memoryUsed + Objects.TensorBytes + bytes <= _memoryLimit) return;
        _memoryHit = true;
        throw new ScriptError($"not enough memory: {what} needs {Mb(bytes)}, past the script's memory cap of {Mb(_memoryLimit)} (Lua heap {Mb(_memoryUsed)}, tensors {Mb(Objects.TensorBytes)})");
    }

    /// <summary>Whether a memory cap is set (pushes skip the cap's bookkeeping without one).</summary>
    internal bool MemoryCapped => _memoryLimit > 0;

    /// <summary>Bytes left under the memory cap (int.MaxValue without a cap): file loaders read no more.</summary>
    internal long RoomBytes => _memoryLimit <= 0 ? int.MaxValue : Math.Max(0, _memoryLimit - _memoryUsed - Objects.TensorBytes);

    private static string Mb(long bytes) => bytes >= 1 << 20 ? $"{bytes / 1048576.0:0.#} MB" : $"{bytes / 1024.0:0.#} KB";

    /// <summary>Bytes of tensor storage the script holds now (counted toward <see cref="LuaHostOptions.MemoryLimit"/>).</summary>
    public long TensorMemory => Objects.TensorBytes;

    private long _memoryPeak;

    /// <summary>
    /// The most the script held at once (Lua heap plus tensor storage) since the host was made
    /// or <see cref="ResetMemoryPeak"/>: how far past <see cref="LuaHostOptions.MemoryLimit"/>
    /// the host's own headroom went.
    /// </summary>
    public long MemoryPeak => Math.Max(_memoryPeak, _memoryUsed + Objects.TensorBytes);

    /// <summary>Starts <see cref="MemoryPeak"/> again from what is held now.</summary>
    public void ResetMemoryPeak() => _memoryPeak = _memoryUsed + Objects.TensorBytes;

    // ---- budgets ---------------------------------------------------------------------

    // The count hook: past the budget it yields the running coroutine, which pcall cannot
    // catch. Where a yield is impossible (a sort comparator, a gsub callback, a metamethod or
    // message handler called from C, a load reader) it hands the thread a native hook that
    // raises an error at every instruction: luaL_error, with the hook's lua_Debug as its format
    // (its first byte is the event code, so the message is a short string we never show; the
    // host reports the budget instead). The hook stays on that thread: after a pcall catches
    // the error, the next instruction raises again, so neither pcall nor an error handler can
    // keep the thread running. An error raised from a hook leaves Lua's hooks off until the
    // nearest pcall returns, which is why the sandbox runs xpcall's handler after the unwind
    // and never closes a stopped coroutine (see Prelude.Host.lua). This C# hook itself never raises.
    private void Hook(IntPtr L, IntPtr ar)
    {
        try
        {
            CallbackDepth++;
            _instructions += HookInterval;
            if (!CheckBudget()) return;
            if (lua_isyieldable(L) != 0) { lua_yieldk(L, 0, IntPtr.Zero, IntPtr.Zero); return; }
            if (RaiseHook == IntPtr.Zero) return;
            // Remember the thread (stopped[thread] = true) to give its hook back later.
            PushRef(L, _stoppedRef);
            lua_pushthread(L);
            lua_pushboolean(L, 1);
            lua_rawset(L, -3);
            lua_settop(L, -2);
            lua_sethook(L, RaiseHook, MaskCount, 1);
        }
        catch
        {
            // nothing may escape into native code
        }
        finally
        {
            CallbackDepth--;
        }
    }

    // Whether a budget is spent (and, the first time, says which).
    private bool CheckBudget()
    {
        if (!_budgetHit)
        {
            if (_budget > 0 && _instructions > _budget) { _budgetHit = true; _budgetWhat = $"instruction budget of {_budget} exceeded"; }
            else if (_deadline > 0 && Stopwatch.GetTimestamp() > _deadline) { _budgetHit = true; _budgetWhat = $"timeout of {Options.Timeout!.Value.TotalSeconds:0.###} s exceeded"; }
        }
        return _budgetHit;
    }

    /// <summary>
    /// Charges work done inside a binding (pattern steps) to the instruction budget; past a
    /// budget or the timeout, a script error. The hook then stops the script as soon as Lua
    /// code runs again, so a pcall around the call cannot keep it going.
    /// </summary>
    internal void Charge(long instructions)
    {
        _instructions += instructions;
        if (CheckBudget()) throw new ScriptError($"script stopped: {_budgetWhat}");
    }

    // luaL_error from the liblua54 that KeraLua loaded, used as a hook function (see Hook). On
    // a platform that links Lua into the program (iOS), it is looked up there; were it found
    // nowhere, a stop in a non-yieldable context would wait for the next yieldable point.
    private static readonly IntPtr RaiseHook = FindLuaError();

    private static IntPtr FindLuaError()
    {
        try
        {
            if (NativeLibrary.TryLoad("lua54", typeof(KeraLua.Lua).Assembly, null, out var lib) && NativeLibrary.TryGetExport(lib, "luaL_error", out var f)) return f;
            if (NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "luaL_error", out f)) return f;
        }
        catch (Exception) { }
        return IntPtr.Zero;
    }

    // Gives every thread stopped by RaiseHook the count hook back, for the next run.
    private void RestoreHooks()
    {
        IntPtr hook = Marshal.GetFunctionPointerForDelegate(_hook);
        PushRef(_L, _stoppedRef);
        lua_pushnil(_L);
        while (lua_next(_L, -2) != 0)
        {
            lua_settop(_L, -2);
            IntPtr thread = lua_tothread(_L, -1);
            if (thread != IntPtr.Zero) lua_sethook(thread, hook, MaskCount, HookInterval);
        }
        lua_settop(_L, -2);
        PushRef(_L, _stoppedRef);               // empty it for the next run
        while (true)
        {
            lua_pushnil(_L);
            if (lua_next(_L, -2) == 0) break;
            lua_settop(_L, -2);                 // ... stopped key
            lua_pushnil(_L);
            lua_rawset(_L, -3);
        }
        lua_settop(_L, -2);
    }

    private int _stoppedRef;                    // registry slot of the set of threads stopped by RaiseHook

    /// <summary>Whether a budget (instructions or time) stopped the running script.</summary>
    internal bool Stopped => _budgetHit;

    /// <summary>Whether the running script's timeout has passed (long engine calls stop between units of work).</summary>
    internal bool DeadlinePassed => _budgetHit || (_deadline > 0 && Stopwatch.GetTimestamp() > _deadline);

    /// <summary>Seconds left before the timeout, or infinity without one.</summary>
    internal double SecondsLeft => _deadline == 0 ? double.PositiveInfinity : Math.Max(0, (double)(_deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);

    private void StartBudget()
    {
        if (!_metered && (Options.InstructionBudget != null || Options.Timeout != null))
            throw new InvalidOperationException("LuaHost: InstructionBudget and Timeout must be set in the options the host is created with; " +
                                                "a host created without them runs scripts without the hook that enforces them.");
        _instructions = 0;
        _budgetHit = false;
        _budget = Options.InstructionBudget ?? 0;
        _deadline = Options.Timeout is { } t ? Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency) : 0;
    }

    // ---- libraries and sandbox -------------------------------------------------------

    private void OpenLibraries()
    {
        if (!Options.Sandbox)
        {
            _lua.OpenLibs();
            return;
        }
        _lua.OpenBasicLibrary();
        _lua.OpenStringLibrary();
        _lua.OpenTableLibrary();
        _lua.OpenMathLibrary();
        _lua.OpenUTF8Library();
        _lua.OpenCoroutineLibrary();
        _lua.OpenOSLibrary();
        _lua.OpenDebugLibrary();     // for the prelude's error positions; removed from globals below
        if (Options.AllowIO) _lua.OpenIOLibrary();
        _lua.SetTop(0);
    }

    private void RegisterBindings()
    {
        _lua.NewTable();                        // the cache id -> userdata, with weak values:
        _lua.NewTable();                        // a cached userdata may still be collected
        _lua.PushString("v");
        RawSetField(_L, -2, "__mode");
        _lua.SetMetaTable(-2);
        Objects.CacheRef = Ref(_L);
        foreach (var kind in Enum.GetValues<ObjectKind>())
        {
            _lua.NewMetaTable(ObjectTable.MetatableName(kind));   // also registry[name], for the prelude
            Objects.RememberMetatable(_L, kind);
        }
        // raw = { group = { name = C closure(id, host) } }
        _lua.NewTable();
        var all = Bindings.All;
        for (int id = 0; id < all.Count; id++)
        {
            var (group, b) = all[id];
            if (RawField(_L, -1, group) != TTable)
            {
                _lua.Pop(1);
                _lua.NewTable();
                _lua.PushCopy(-1);
                RawSetField(_L, -3, group);
            }
            lua_pushinteger(_L, id);
            lua_pushlightuserdata(_L, GCHandle.ToIntPtr(_self));
            lua_pushcclosure(_L, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&Dispatch, 2);
            RawSetField(_L, -2, b.Name);
            _lua.Pop(1);
        }
        RawSetGlobal(_L, "__snn_raw");
    }

    private static readonly string[] PreludeParts = { "Prelude.Modules.lua", "Prelude.Optim.lua", "Prelude.Train.lua", "Prelude.Host.lua" };

    private void LoadPrelude()
    {
        string source = ReadResource("Prelude.lua");
        if (_lua.LoadString(source, "=[snn]") != LuaStatus.OK) throw new InvalidOperationException("ScriptableNN prelude: " + Native.ToString(_L, -1));
        RawGlobal(_L, "__snn_raw");
        lua_pushlightuserdata(_L, ErrorSentinel);
        _lua.PushBoolean(Options.Sandbox);
        _lua.PushBoolean(Options.AllowIO);
        var grants = Options.Functions.Keys.ToArray();
        _lua.NewTable();
        for (int i = 0; i < grants.Length; i++) { _lua.PushString(grants[i]); _lua.RawSetInteger(-2, i + 1); }
        GrantNames = grants;
        if (_lua.PCall(5, 1, 0) != LuaStatus.OK) throw new InvalidOperationException("ScriptableNN prelude: " + Native.ToString(_L, -1));
        // The later parts, each its own chunk (a chunk has at most 200 locals), in order; the
        // table Prelude.lua returned carries the locals they share.
        foreach (var part in PreludeParts)
        {
            if (_lua.LoadString(ReadResource(part), "=[snn]") != LuaStatus.OK) throw new InvalidOperationException($"ScriptableNN {part}: " + Native.ToString(_L, -1));
            _lua.PushCopy(-2);
            if (_lua.PCall(1, 0, 0) != LuaStatus.OK) throw new InvalidOperationException($"ScriptableNN {part}: " + Native.ToString(_L, -1));
        }
        _lua.Pop(1);
        _lua.PushNil();
        RawSetGlobal(_L, "__snn_raw");
    }

    /// <summary>Names of the host functions granted to scripts, by the index the prelude calls them with.</summary>
    internal string[] GrantNames { get; private set; } = Array.Empty<string>();

    internal static string ReadResource(string name)
    {
        var asm = typeof(LuaHost).Assembly;
        using var s = asm.GetManifestResourceStream("ScriptableNN.Lua." + name) ?? throw new InvalidOperationException($"missing resource {name}");
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }

    // ---- the dispatcher --------------------------------------------------------------

    // Every binding enters here. Exceptions never leave: an error becomes (ERR, message), which
    // the Lua wrapper of the binding raises with error() from Lua's own frames.
    //
    // The rule for everything under this frame: no Lua error may be raised while a C# frame is
    // on the native stack, because Lua raises with longjmp and a longjmp over managed frames
    // corrupts the runtime (the process aborts at a later collection). So a binding
    //  - reads and writes tables, globals and strings only through Native's raw helpers
    //    (RawField, RawSetField, RawGlobal, RawSetGlobal, Ref/PushRef, ToString, Bytes) and
    //    lua_rawgeti, lua_rawlen, lua_next; lua_getfield, lua_gettable, lua_len,
    //    luaL_tolstring, lua_compare and lua_concat run a script's metamethods and are not even
    //    imported; duck typing, where wanted, is done in the Lua prelude;
    //  - calls into Lua only through lua_pcall;
    //  - checks the stack (lua_checkstack / Native.EnsureStack) before pushing a variable count;
    //  - reserves (Host.Reserve) before building anything large in Lua or in tensors, because
    //    the allocator lets a callback's own pushes through so that they cannot fail.
    // SourceRuleTests greps this project for the calls that break the first point.
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static int Dispatch(IntPtr L)
    {
        LuaHost? host = null;
        try
        {
            host = (LuaHost)GCHandle.FromIntPtr(lua_touserdata(L, RegistryIndex - 2)).Target!;
            var b = Bindings.All[(int)lua_tointegerx(L, RegistryIndex - 1, null)].Binding;
            host.CallbackDepth++;
            try
            {
                int n = lua_gettop(L);
                if (n < b.Arity) throw new ScriptError($"wrong number of arguments to '{b.Name}' (expected at least {b.Arity}, got {n})");
                return b.Body(new Args(L, host, b.Name));
            }
            catch (OperationCanceledException) when (host.CheckBudget())
            {
                // A long engine call stopped at the host's deadline; the hook ends the script.
                return PushError(L, new ScriptError($"script stopped: {host._budgetWhat}"));
            }
            catch (Exception e)
            {
                return PushError(L, e);
            }
            finally
            {
                host.CallbackDepth--;
            }
        }
        catch (Exception e)
        {
            return PushError(L, e);
        }
    }

    private static int PushError(IntPtr L, Exception e)
    {
        try
        {
            lua_pushlightuserdata(L, ErrorSentinel);
            PushString(L, e switch
            {
                ScriptError or ArgumentException or InvalidOperationException or IndexOutOfRangeException or LuaScriptException
                    or IOException or InvalidDataException or FormatException or NotSupportedException or Training.TrainingException => e.Message,
                InsufficientExecutionStackException => "nested too deep (a network or table deeper than the stack allows)",
                OverflowException => "a number is too large for this argument (" + e.Message + ")",
                OutOfMemoryException => "not enough memory for this operation",
                _ => e.GetType().Name + ": " + e.Message,
            });
            return 2;
        }
        catch
        {
            return 0;
        }
    }

    // ---- running code ----------------------------------------------------------------

    private void CheckUsable()
    {
        if (_disposed) throw new ObjectDisposedException(nameof(LuaHost));
        if (Environment.CurrentManagedThreadId != _ownerThread)
            throw new InvalidOperationException($"LuaHost: a Lua state belongs to one thread; it was created on thread {_ownerThread} and used from thread {Environment.CurrentManagedThreadId}.");
    }

    /// <summary>Runs Lua source; returns what the chunk returns.</summary>
    public object?[] Run(string code, string chunkName = "chunk", params object?[] args)
    {
        CheckUsable();
        var status = _lua.LoadString(code, "=" + chunkName);
        if (status != LuaStatus.OK) throw LoadError();
        return Execute(args);
    }

    /// <summary>Runs a Lua file; <paramref name="args"/> reach it as <c>...</c> (and as the global <c>arg</c>).</summary>
    public object?[] RunFile(string path, params object?[] args)
    {
        CheckUsable();
        if (!File.Exists(path)) throw new FileNotFoundException($"script not found: {path}", path);
        string code = File.ReadAllText(path, Encoding.UTF8);
        ScriptDirectory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (code.StartsWith("#!", StringComparison.Ordinal)) code = "--" + code;   // a shebang line
        var status = _lua.LoadString(code, "@" + path);
        if (status != LuaStatus.OK) throw LoadError();
        // arg = { [0] = path, ... } as the standalone interpreter sets it
        _lua.NewTable();
        _lua.PushString(path); _lua.RawSetInteger(-2, 0);
        for (int i = 0; i < args.Length; i++) { PushValue(args[i]); _lua.RawSetInteger(-2, i + 1); }
        RawSetGlobal(_L, "arg");
        return Execute(args);
    }

    /// <summary>Calls the global function <paramref name="function"/> with plain values, tensors or modules.</summary>
    public object?[] Call(string function, params object?[] args)
    {
        CheckUsable();
        lua_checkstack(_L, 8);
        if (RawGlobal(_L, function) != TFunction)
        {
            _lua.Pop(1);
            throw new LuaScriptException($"no global function '{function}'", null, 0, null);
        }
        return Execute(args);
    }

    private LuaScriptException LoadError()
    {
        string msg = Native.ToString(_L, -1) ?? "syntax error";
        _lua.Pop(1);
        var (chunk, line) = ParsePosition(msg);
        return new LuaScriptException(msg, chunk, line, null);
    }

    // The function is on top of the main stack. Run it in a fresh coroutine, so that the count
    // hook can stop it by yielding, even from inside pcall.
    private object?[] Execute(object?[] args)
    {
        int baseTop = _lua.GetTop() - 1;
        var co = _lua.NewThread();                // main: ... f co
        _lua.Insert(-2);                          // main: ... co f
        _lua.XMove(co, 1);                        // co: f
        if (lua_checkstack(co.Handle, args.Length + 8) == 0)
        {
            _lua.SetTop(baseTop);
            throw new LuaScriptException($"too many arguments for a script ({args.Length})", null, 0, null);
        }
        foreach (var a in args) PushValue(a, co);
        StartBudget();
        _memoryHit = false;
        long outerDeadline = Kernels.Deadline.At;
        if (_deadline != 0 && (outerDeadline == 0 || _deadline < outerDeadline)) Kernels.Deadline.At = _deadline;
        Tape.Resume();            // tensor functions on tensors that require grad record here
        try
        {
            LuaStatus status;
            int nres;
            _capped = true;
            try { status = co.Resume(_lua, args.Length, out nres); }
            finally { _capped = false; }
            if (status == LuaStatus.OK && _budgetHit)
            {
                // The hook yielded a coroutine the script made, and the script then finished.
                throw new LuaBudgetException($"script stopped: {_budgetWhat}", null, 0);
            }
            if (status == LuaStatus.OK)
            {
                var results = new object?[nres];
                for (int i = 0; i < nres; i++) results[i] = ToValue(co, i + 1);
                return results;
            }
            var (c, l) = CurrentPosition(co);
            if (status == LuaStatus.Yield)
            {
                if (_budgetHit) throw new LuaBudgetException($"{(c != null ? $"{c}:{l}: " : "")}script stopped: {_budgetWhat}", c, l);
                throw new LuaScriptException("attempt to yield from outside a coroutine", c, l, null);
            }
            if (_budgetHit)
                throw new LuaBudgetException($"{(c != null ? $"{c}:{l}: " : "")}script stopped: {_budgetWhat}", c, l);
            string msg = ErrorMessage(co);
            if (status == LuaStatus.ErrMem || (_memoryHit && msg.EndsWith("not enough memory", StringComparison.Ordinal)))
                msg = $"{msg}: the script's memory cap of {Mb(_memoryLimit)} was reached (Lua heap {Mb(_memoryUsed)}, tensors {Mb(Objects.TensorBytes)})";
            co.Traceback(co, msg, 0);
            string trace = Native.ToString(co.Handle, -1) ?? "";
            var (chunk, line) = ParsePosition(msg);
            if (chunk == null) (chunk, line) = (c, l);
            throw new LuaScriptException(msg, chunk, line, trace);
        }
        finally
        {
            CallbackDepth++;              // host work: no cap, and any __close handlers run under the stop
            try
            {
                // After a stop the thread is left to the collector unclosed: a thread stopped by an
                // error raised from a hook has Lua's hooks switched off, and closing it would run
                // its __close handlers where no budget can stop them.
                if (co.Status != LuaStatus.OK && !_budgetHit) co.ResetThread();
                _lua.SetTop(baseTop);
                RestoreHooks();
                Kernels.Deadline.At = outerDeadline;
                Tape.Stop();
                if (_memoryLimit > 0 && _memoryUsed + Objects.TensorBytes > _memoryLimit / 2) _lua.GarbageCollector(LuaGC.Collect, 0);
            }
            finally { CallbackDepth--; }
        }
    }

    private static string ErrorMessage(KeraLua.Lua co)
    {
        var t = co.Type(-1);
        return Native.ToString(co.Handle, -1) ?? $"(error object is a {t.ToString().ToLowerInvariant()} value)";
    }

    private static readonly Regex Position = new(@"^(?<chunk>[^\n]*?):(?<line>\d+):", RegexOptions.Compiled);

    internal static (string? Chunk, int Line) ParsePosition(string message)
    {
        var m = Position.Match(message);
        return m.Success ? (m.Groups["chunk"].Value, int.Parse(m.Groups["line"].Value)) : (null, 0);
    }

    private static (string? Chunk, int Line) CurrentPosition(KeraLua.Lua co)
    {
        var ar = new LuaDebug();
        for (int level = 0; co.GetStack(level, ref ar) != 0; level++)
        {
            co.GetInfo("Sl", ref ar);
            if (ar.CurrentLine > 0 && ar.ShortSource != "[snn]") return (ar.ShortSource, ar.CurrentLine);
        }
        return (null, 0);
    }

    // ---- values in and out -----------------------------------------------------------

    /// <summary>Sets a global to a plain value, an array (as a table), a tensor, a module, a criterion or an optimizer.</summary>
    public void SetGlobal(string name, object? value)
    {
        CheckUsable();
        CallbackDepth++;
        try
        {
            lua_checkstack(_L, 8);
            PushValue(value);
            RawSetGlobal(_L, name);        // raw: a script's __newindex on _G never runs under C#
        }
        finally { CallbackDepth--; }
    }

    /// <summary>A global as a .NET value (see <see cref="SetGlobal"/>; tables become object?[] or dictionaries).</summary>
    public object? GetGlobal(string name)
    {
        CheckUsable();
        CallbackDepth++;
        lua_checkstack(_L, 8);
        RawGlobal(_L, name);               // raw: a script's __index on _G never runs under C#
        try { return ToValue(_lua, -1); }
        finally { _lua.Pop(1); CallbackDepth--; }
    }

    /// <summary>The module a script stored in global <paramref name="name"/> (a trained network, say).</summary>
    public Module GetModule(string name) =>
        GetGlobal(name) as Module ?? throw new LuaScriptException($"global '{name}' is not a network (nn module)", null, 0, null);

    /// <summary>The tensor in global <paramref name="name"/>.</summary>
    public Tensor GetTensor(string name) =>
        GetGlobal(name) as Tensor ?? throw new LuaScriptException($"global '{name}' is not a tensor", null, 0, null);

    private void PushValue(object? v, KeraLua.Lua? state = null)
    {
        var s = state ?? _lua;
        IntPtr L = s.Handle;
        switch (v)
        {
            case null: s.PushNil(); break;
            case bool b: s.PushBoolean(b); break;
            case int i: s.PushInteger(i); break;
            case long l: s.PushInteger(l); break;
            case float f: s.PushNumber(f); break;
            case double d: s.PushNumber(d); break;
            case string str: s.PushString(str); break;
            case Tensor t: Objects.Push(L, t, ObjectKind.Tensor); break;
            case Module m: Objects.Push(L, m, ObjectKind.Module); break;
            case Criterion c: Objects.Push(L, c, ObjectKind.Criterion); break;
            case Optimizer o: Objects.Push(L, o, ObjectKind.Optimizer); break;
            case Inference.CompiledNetwork c: Objects.Push(L, c, ObjectKind.Compiled); break;
            case float[] fa:
                s.CreateTable(fa.Length, 0);
                for (int i = 0; i < fa.Length; i++) { s.PushNumber(fa[i]); s.RawSetInteger(-2, i + 1); }
                break;
            case double[] da:
                s.CreateTable(da.Length, 0);
                for (int i = 0; i < da.Length; i++) { s.PushNumber(da[i]); s.RawSetInteger(-2, i + 1); }
                break;
            case System.Collections.IEnumerable seq:
                if (lua_checkstack(L, 4) == 0) throw new ArgumentException("LuaHost: a value nested too deep to hand to Lua.");
                s.NewTable();
                int k = 1;
                foreach (var item in seq) { PushValue(item, s); s.RawSetInteger(-2, k++); }
                break;
            default: throw new ArgumentException($"LuaHost: cannot hand a {v.GetType().Name} to Lua.");
        }
    }

    private object? ToValue(KeraLua.Lua s, int idx, int depth = 0)
    {
        IntPtr L = s.Handle;
        if (lua_checkstack(L, 4) == 0) return null;
        switch (s.Type(idx))
        {
            case LuaType.Nil or LuaType.None: return null;
            case LuaType.Boolean: return s.ToBoolean(idx);
            case LuaType.Number: return s.IsInteger(idx) ? (object)s.ToInteger(idx) : s.ToNumber(idx);
            case LuaType.String: return s.ToString(idx, false);
            case LuaType.UserData:
                try
                {
                    return (object?)Objects.Get<Tensor>(L, idx, ObjectKind.Tensor)
                        ?? (object?)Objects.Get<Module>(L, idx, ObjectKind.Module)
                        ?? (object?)Objects.Get<Criterion>(L, idx, ObjectKind.Criterion)
                        ?? (object?)Objects.Get<Optimizer>(L, idx, ObjectKind.Optimizer)
                        ?? (object?)Objects.Get<Inference.CompiledNetwork>(L, idx, ObjectKind.Compiled)
                        ?? Objects.Get<StridedView>(L, idx, ObjectKind.View)?.Gather();   // a view comes out as a copy
                }
                catch (ScriptError) { return null; }     // freed by the script: nothing to hand over
            case LuaType.Table when depth < 16:
                idx = s.AbsIndex(idx);
                long n = s.RawLen(idx);
                var dict = new Dictionary<object, object?>();
                s.PushNil();
                while (s.Next(idx))
                {
                    var key = ToValue(s, -2, depth + 1);
                    if (key != null) dict[key] = ToValue(s, -1, depth + 1);
                    s.Pop(1);
                }
                if (n > 0 && dict.Count == n)
                {
                    var arr = new object?[n];
                    for (long i = 1; i <= n; i++) arr[i - 1] = dict[i];
                    return arr;
                }
                return dict;
            default: return null;
        }
    }

    /// <summary>The folder of the last script run from a file; relative data paths are also tried there.</summary>
    public string? ScriptDirectory { get; private set; }

    /// <summary>Called by train.fit after each epoch (the CLI draws its progress bar from it).</summary>
    public Action<TrainingProgress>? Progress { get; set; }

    /// <summary>Called by agent:learn after each report interval (the CLI prints a line from it).</summary>
    public Action<AgentProgress>? AgentProgress { get; set; }

    /// <summary>
    /// A data or checkpoint path as a script gave it: as is when it exists, else next to the
    /// script; then checked against the roots the host grants (see <see cref="LuaHostOptions.ReadRoots"/>).
    /// </summary>
    internal string ResolvePath(string path, bool forWriting = false)
    {
        if (path.Length == 0 || path.Contains('\0')) throw new ScriptError("invalid file name");
        string chosen;
        if (Path.IsPathRooted(path) || File.Exists(path) || ScriptDirectory == null) chosen = path;
        else
        {
            string beside = Path.Combine(ScriptDirectory, path);
            chosen = forWriting ? (Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path))) ? path : beside)
                                : (File.Exists(beside) ? beside : path);
        }
        if (!Options.Sandbox || Options.AllowIO) return chosen;
        string real = FilePolicy.RealPath(chosen);
        var roots = forWriting ? WriteRoots() : ReadRoots();
        foreach (var root in roots)
            if (FilePolicy.IsUnder(real, FilePolicy.RealPath(root))) return real;
        throw new ScriptError($"{(forWriting ? "writing" : "reading")} '{path}' is not allowed: scripts may {(forWriting ? "write" : "read")} files only under {string.Join(", ", roots)}{(forWriting ? " (snn run --write DIR grants more)" : " (snn run --read DIR grants more)")}");
    }

    private List<string> ReadRoots()
    {
        var roots = new List<string>();
        if (Options.ReadRoots.Count == 0 && Options.WriteRoots.Count == 0)
        {
            roots.Add(Directory.GetCurrentDirectory());
            if (ScriptDirectory != null) roots.Add(ScriptDirectory);
            return roots;
        }
        roots.AddRange(Options.ReadRoots);
        roots.AddRange(Options.WriteRoots);
        return roots;
    }

    private List<string> WriteRoots() =>
        Options.ReadRoots.Count == 0 && Options.WriteRoots.Count == 0 ? new List<string> { Directory.GetCurrentDirectory() } : Options.WriteRoots;

    // ---- require ---------------------------------------------------------------------

    /// <summary>Finds name.lua (dots as folders) on the search paths: the source and its chunk name, or null.</summary>
    internal (string Source, string Chunk)? FindModule(string name)
    {
        if (name.Contains("..") || Path.IsPathRooted(name)) return null;
        // Lua's own templates on each search path: ?.lua, then ?/init.lua (a package's folder).
        string rel = name.Replace('.', Path.DirectorySeparatorChar);
        foreach (var dir in Options.SearchPaths)
            foreach (var path in new[] { Path.Combine(dir, rel + ".lua"), Path.Combine(dir, rel, "init.lua") })
                if (File.Exists(path)) return (File.ReadAllText(path, Encoding.UTF8), "@" + path);
        return null;
    }

    /// <summary>Runs a full garbage collection of the Lua heap.</summary>
    public void CollectGarbage()
    {
        CheckUsable();
        _lua.GarbageCollector(LuaGC.Collect, 0);
    }

    /// <summary>
    /// Closes the Lua state (its objects are released); call it on the owning thread. A host
    /// that is never disposed stays alive, state and all, until the process ends.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        CheckUsable();
        _disposed = true;
        _lua.Close();
        if (_self.IsAllocated) _self.Free();
        Live.TryRemove(this, out _);
    }
}
