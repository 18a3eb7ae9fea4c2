using System.Runtime.InteropServices;
using System.Text;

namespace ScriptableNN.Lua;

/// <summary>
/// The few Lua C API calls the bindings make on every call, bound directly to the liblua54
/// that KeraLua ships, so a callback needs no wrapper object. None of these raises a Lua
/// error (no luaL_check*): a longjmp over a C# frame would corrupt the runtime. Calls marked
/// SuppressGCTransition neither allocate in Lua (an allocation can run a __gc finalizer, which
/// calls back into C#) nor run metamethods, so they may skip the GC mode switch.
/// </summary>
internal static unsafe class Native
{
    private const string Lib = "lua54";
    public const int RegistryIndex = -1001000;   // LUA_REGISTRYINDEX for 32-bit int LUAI_MAXSTACK = 1e6
    public const int TNone = -1, TNil = 0, TBoolean = 1, TLightUserData = 2, TNumber = 3, TString = 4, TTable = 5, TFunction = 6, TUserData = 7;

    [DllImport(Lib), SuppressGCTransition] public static extern int lua_gettop(IntPtr L);
    [DllImport(Lib)] public static extern void lua_settop(IntPtr L, int idx);
    // lua_settop only runs Lua code (__close) when it drops to-be-closed slots, which this
    // project never marks (no lua_toclose): dropping values it pushed itself is then a plain
    // store, and the call can skip the GC transition (about 15 ns on every argument read).
    [DllImport(Lib, EntryPoint = "lua_settop"), SuppressGCTransition] public static extern void PopPushed(IntPtr L, int idx);
    [DllImport(Lib), SuppressGCTransition] public static extern int lua_type(IntPtr L, int idx);
    [DllImport(Lib), SuppressGCTransition] public static extern double lua_tonumberx(IntPtr L, int idx, int* isnum);
    [DllImport(Lib), SuppressGCTransition] public static extern long lua_tointegerx(IntPtr L, int idx, int* isnum);
    [DllImport(Lib), SuppressGCTransition] public static extern int lua_toboolean(IntPtr L, int idx);
    [DllImport(Lib)] private static extern byte* lua_tolstring(IntPtr L, int idx, nuint* len);
    [DllImport(Lib)] public static extern int luaL_ref(IntPtr L, int t);
    [DllImport(Lib), SuppressGCTransition] public static extern IntPtr lua_touserdata(IntPtr L, int idx);
    [DllImport(Lib), SuppressGCTransition] public static extern int lua_isinteger(IntPtr L, int idx);
    [DllImport(Lib), SuppressGCTransition] public static extern void lua_pushnil(IntPtr L);
    [DllImport(Lib), SuppressGCTransition] public static extern void lua_pushnumber(IntPtr L, double n);
    [DllImport(Lib), SuppressGCTransition] public static extern void lua_pushinteger(IntPtr L, long n);
    [DllImport(Lib), SuppressGCTransition] public static extern void lua_pushboolean(IntPtr L, int b);
    [DllImport(Lib)] public static extern IntPtr lua_pushlstring(IntPtr L, byte* s, nuint len);
    [DllImport(Lib), SuppressGCTransition] public static extern void lua_pushlightuserdata(IntPtr L, IntPtr p);
    [DllImport(Lib), SuppressGCTransition] public static extern void lua_pushvalue(IntPtr L, int idx);
    [DllImport(Lib)] public static extern void lua_pushcclosure(IntPtr L, IntPtr fn, int n);
    [DllImport(Lib)] public static extern IntPtr lua_newuserdatauv(IntPtr L, nuint size, int nuvalue);
    [DllImport(Lib)] public static extern int lua_setmetatable(IntPtr L, int idx);
    [DllImport(Lib)] public static extern void lua_createtable(IntPtr L, int narr, int nrec);
    [DllImport(Lib)] public static extern void lua_rawseti(IntPtr L, int idx, long n);
    [DllImport(Lib), SuppressGCTransition] public static extern int lua_rawgeti(IntPtr L, int idx, long n);
    [DllImport(Lib), SuppressGCTransition] public static extern ulong lua_rawlen(IntPtr L, int idx);
    [DllImport(Lib)] public static extern int lua_rawget(IntPtr L, int idx);
    [DllImport(Lib)] public static extern void lua_rawset(IntPtr L, int idx);
    [DllImport(Lib)] public static extern int lua_next(IntPtr L, int idx);
    [DllImport(Lib), SuppressGCTransition] public static extern int lua_isyieldable(IntPtr L);
    [DllImport(Lib)] public static extern int lua_yieldk(IntPtr L, int nresults, IntPtr ctx, IntPtr k);
    [DllImport(Lib)] public static extern int lua_gc(IntPtr L, int what, int a, int b, int c);
    [DllImport(Lib), SuppressGCTransition] public static extern int lua_getmetatable(IntPtr L, int idx);
    [DllImport(Lib), SuppressGCTransition] public static extern IntPtr lua_topointer(IntPtr L, int idx);
    [DllImport(Lib), SuppressGCTransition] public static extern void lua_copy(IntPtr L, int from, int to);
    [DllImport(Lib)] public static extern int lua_checkstack(IntPtr L, int n);
    [DllImport(Lib), SuppressGCTransition] public static extern int lua_absindex(IntPtr L, int idx);
    [DllImport(Lib)] public static extern void lua_sethook(IntPtr L, IntPtr f, int mask, int count);
    [DllImport(Lib)] public static extern int lua_pushthread(IntPtr L);
    [DllImport(Lib), SuppressGCTransition] public static extern IntPtr lua_tothread(IntPtr L, int idx);
    [DllImport(Lib), SuppressGCTransition] public static extern void lua_rotate(IntPtr L, int idx, int n);

    public const int MaskCount = 8;

    // ---- the only ways C# reads or writes Lua tables and strings ----------------------
    // Every one is raw: a script's metamethods can error, yield or loop, and none of that may
    // happen under a C# frame (a Lua error is a longjmp). lua_getfield, lua_gettable, lua_len,
    // luaL_tolstring and friends are not imported at all; SourceRuleTests keeps it that way.

    private const int GlobalsIndex = 2;    // LUA_RIDX_GLOBALS

    /// <summary>Pushes the global <paramref name="name"/>, raw; returns its type.</summary>
    public static int RawGlobal(IntPtr L, string name)
    {
        lua_rawgeti(L, RegistryIndex, GlobalsIndex);
        int t = RawField(L, -1, name);
        lua_rotate(L, -2, -1);
        lua_settop(L, -2);
        return t;
    }

    /// <summary>Sets the global <paramref name="name"/> to the value on top (popped), raw.</summary>
    public static void RawSetGlobal(IntPtr L, string name)
    {
        lua_rawgeti(L, RegistryIndex, GlobalsIndex);
        lua_rotate(L, -2, 1);                  // ... globals value
        RawSetField(L, -2, name);
        lua_settop(L, -2);
    }

    /// <summary>Keeps the value on top (popped) in the registry; returns the slot for <see cref="PushRef"/>.</summary>
    public static int Ref(IntPtr L) => luaL_ref(L, RegistryIndex);

    /// <summary>Pushes the value kept by <see cref="Ref"/>.</summary>
    public static void PushRef(IntPtr L, int slot) => lua_rawgeti(L, RegistryIndex, slot);

    /// <summary>
    /// Pushes t[key] for the table at <paramref name="idx"/> without metamethods: a script's
    /// __index can error, yield or loop, and none of that may happen under a C# frame.
    /// Returns the type pushed (nil when <paramref name="idx"/> is not a table).
    /// </summary>
    public static int RawField(IntPtr L, int idx, string key)
    {
        if (lua_type(L, idx) != TTable) { lua_pushnil(L); return TNil; }
        idx = lua_absindex(L, idx);
        PushString(L, key);
        return lua_rawget(L, idx);
    }

    /// <summary>t[key] = value on top (popped), without metamethods.</summary>
    public static void RawSetField(IntPtr L, int idx, string key)
    {
        idx = lua_absindex(L, idx);
        PushString(L, key);         // ... value key
        lua_rotate(L, -2, 1);       // ... key value
        lua_rawset(L, idx);
    }

    /// <summary>Room for <paramref name="n"/> more values on the stack, or a script error (never a Lua error).</summary>
    public static void EnsureStack(IntPtr L, int n)
    {
        if (n < 0 || lua_checkstack(L, n) == 0) throw new ScriptError($"Lua stack overflow (needed room for {n} more values)");
    }

    public const int GcCollect = 2, GcStep = 5, GcCount = 3;

    public static void PushString(IntPtr L, string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        if (max <= 512)
        {
            byte* buf = stackalloc byte[max];
            int n = Encoding.UTF8.GetBytes(s, new Span<byte>(buf, max));
            lua_pushlstring(L, buf, (nuint)n);
        }
        else
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            fixed (byte* p = bytes) lua_pushlstring(L, p, (nuint)bytes.Length);
        }
    }

    /// <summary>A string or number at <paramref name="idx"/> as text (null for anything else); never runs __tostring.</summary>
    public static string? ToString(IntPtr L, int idx)
    {
        byte* p = Bytes(L, idx, out int len);
        return p == null ? null : Encoding.UTF8.GetString(p, len);
    }

    /// <summary>
    /// The bytes of a string (or a number, converted in its own slot, as Lua's string functions
    /// do) at <paramref name="idx"/>, valid while it stays on the stack; null for anything else.
    /// </summary>
    public static byte* Bytes(IntPtr L, int idx, out int len)
    {
        int t = lua_type(L, idx);
        if (t != TString && t != TNumber) { len = 0; return null; }
        nuint n;
        byte* p = lua_tolstring(L, idx, &n);
        len = n > int.MaxValue ? int.MaxValue : (int)n;
        return p;
    }

    public static string TypeName(int t) => t switch
    {
        TNone => "no value", TNil => "nil", TBoolean => "boolean", TLightUserData => "userdata", TNumber => "number",
        TString => "string", TTable => "table", TFunction => "function", TUserData => "userdata", _ => "thread",
    };
}
