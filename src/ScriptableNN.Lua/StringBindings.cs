using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>
/// string.find, match, gmatch and gsub over <see cref="LuaPattern"/>, so that budgets hold
/// inside pattern matching. The prelude puts them in the string table; gsub with a function or
/// table replacement loops in Lua (gsubStep), where the replacement's own code can be stopped.
/// Positions cross 1-based, as Lua counts.
/// </summary>
internal static unsafe class StringBindings
{
    public static readonly Binding[] Functions =
    {
        new("find", 2, a => Find(a, find: true)),
        new("match", 2, a => Find(a, find: false)),
        new("gmatchStep", 4, GmatchStep),
        new("gsubString", 4, GsubString),
        new("gsubStep", 5, GsubStep),
    };

    private static byte* Bytes(Args a, int i, string fn, out int len)
    {
        byte* p = Native.Bytes(a.L, i, out len);
        if (p == null) throw new ScriptError($"bad argument #{i} to '{fn}' (string expected, got {TypeName(lua_type(a.L, i))})");
        return p;
    }

    // Lua's posrelatI: 1-based, negative from the end, clamped to 1.
    private static long StartOf(Args a, int i, int len)
    {
        if (a.IsNoneOrNil(i)) return 1;
        long pos = a.Integer(i);
        if (pos > 0) return pos;
        if (pos == 0 || pos < -(long)len) return 1;
        return len + pos + 1;
    }

    // find(s, pattern, init, plain) and match(s, pattern, init).
    private static int Find(Args a, bool find)
    {
        string fn = find ? "find" : "match";
        byte* s = Bytes(a, 1, fn, out int ls);
        byte* p = Bytes(a, 2, fn, out int lp);
        long init = StartOf(a, 3, ls) - 1;
        if (init > ls) return a.Nil();
        if (find && (lua_toboolean(a.L, 4) != 0 || LuaPattern.NoSpecials(p, lp)))
        {
            int at = new ReadOnlySpan<byte>(s + init, ls - (int)init).IndexOf(new ReadOnlySpan<byte>(p, lp));
            a.Host.Charge((ls - init) / 16);
            if (at < 0) return a.Nil();
            lua_pushinteger(a.L, init + at + 1);
            lua_pushinteger(a.L, init + at + lp);
            return 2;
        }
        bool anchor = lp > 0 && p[0] == '^';
        int p0 = anchor ? 1 : 0;
        var m = new LuaPattern(s, ls, p, lp, a.Host);
        try
        {
            for (int s1 = (int)init; ; s1++)
            {
                int e = m.Match(s1, p0);
                if (e != -1)
                {
                    if (!find) return PushCaptures(a, ref m, s, s1, e, whole: true);
                    lua_pushinteger(a.L, s1 + 1);
                    lua_pushinteger(a.L, e);
                    return 2 + PushCaptures(a, ref m, s, s1, e, whole: false);
                }
                if (anchor || s1 >= ls) return a.Nil();
            }
        }
        finally { m.Settle(); }
    }

    // gmatchStep(s, pattern, src, lastmatch) -> next src, captures...  (nil when done).
    // src and lastmatch are 0-based offsets (lastmatch -1 for none).
    private static int GmatchStep(Args a)
    {
        byte* s = Bytes(a, 1, "gmatch", out int ls);
        byte* p = Bytes(a, 2, "gmatch", out int lp);
        long src = a.Integer(3), last = a.Integer(4);
        var m = new LuaPattern(s, ls, p, lp, a.Host);
        try
        {
            for (long s1 = src; s1 <= ls; s1++)
            {
                int e = m.Match((int)s1, 0);
                if (e != -1 && e != last)
                {
                    lua_pushinteger(a.L, e);
                    return 1 + PushCaptures(a, ref m, s, (int)s1, e, whole: true);
                }
            }
            return a.Nil();
        }
        finally { m.Settle(); }
    }

    // gsubStep(s, pattern, src, lastmatch, anchor) -> start, end (0-based, end exclusive), captures...
    // for the next match the gsub loop replaces, or nil. Text between src and start is kept.
    private static int GsubStep(Args a)
    {
        byte* s = Bytes(a, 1, "gsub", out int ls);
        byte* p = Bytes(a, 2, "gsub", out int lp);
        long src = a.Integer(3), last = a.Integer(4);
        bool anchor = a.Bool(5);
        var m = new LuaPattern(s, ls, p, lp, a.Host);
        int p0 = lp > 0 && p[0] == '^' ? 1 : 0;
        try
        {
            for (long s1 = src; s1 <= ls; s1++)
            {
                int e = m.Match((int)s1, p0);
                if (e != -1 && e != last)
                {
                    lua_pushinteger(a.L, s1);
                    lua_pushinteger(a.L, e);
                    return 2 + PushCaptures(a, ref m, s, (int)s1, e, whole: true);
                }
                if (anchor) break;
            }
            return a.Nil();
        }
        finally { m.Settle(); }
    }

    // gsubString(s, pattern, repl, max) -> result, count: a string replacement, all in C#.
    private static int GsubString(Args a)
    {
        byte* s = Bytes(a, 1, "gsub", out int ls);
        byte* p = Bytes(a, 2, "gsub", out int lp);
        byte* r = Bytes(a, 3, "gsub", out int lr);
        long max = a.Integer(4);
        bool anchor = lp > 0 && p[0] == '^';
        int p0 = anchor ? 1 : 0;
        var m = new LuaPattern(s, ls, p, lp, a.Host);
        var output = new List<byte>(ls);
        long n = 0;
        int src = 0, last = -1;
        try
        {
            while (n < max)
            {
                int e = m.Match(src, p0);
                if (e != -1 && e != last)
                {
                    n++;
                    AddReplacement(a, ref m, output, s, src, e, r, lr);
                    src = last = e;
                }
                else if (src < ls) output.Add(s[src++]);
                else break;
                if (anchor) break;
                if (output.Count > (1 << 20)) a.Host.Reserve(output.Count, "the result of gsub");
            }
        }
        finally { m.Settle(); }
        if (n == 0) { lua_pushvalue(a.L, 1); lua_pushinteger(a.L, 0); return 2; }
        for (int i = src; i < ls; i++) output.Add(s[i]);
        a.Host.Reserve(output.Count, "the result of gsub");
        var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(output);
        fixed (byte* b = bytes) lua_pushlstring(a.L, b, (nuint)bytes.Length);
        lua_pushinteger(a.L, n);
        return 2;
    }

    // Lua's add_s: %0 the whole match, %1..%9 a capture, %% a percent sign.
    private static void AddReplacement(Args a, ref LuaPattern m, List<byte> output, byte* s, int start, int end, byte* r, int lr)
    {
        for (int i = 0; i < lr; i++)
        {
            byte c = r[i];
            if (c != '%') { output.Add(c); continue; }
            i++;
            if (i < lr && r[i] == '%') { output.Add((byte)'%'); continue; }
            if (i >= lr || r[i] < '0' || r[i] > '9') throw new ScriptError("invalid use of '%' in replacement string");
            if (r[i] == '0') { for (int k = start; k < end; k++) output.Add(s[k]); continue; }
            int idx = r[i] - '1';
            var (cs, cl) = m.Capture(idx, start, end);
            if (m.IsPosition(idx)) { foreach (char d in (cs + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)) output.Add((byte)d); }
            else for (int k = 0; k < cl; k++) output.Add(s[cs + k]);
        }
    }

    // The captures of a match [start, end): strings, integers for position captures, or the
    // whole match when the pattern has none and whole is set.
    private static int PushCaptures(Args a, ref LuaPattern m, byte* s, int start, int end, bool whole)
    {
        int n = m.Level == 0 && whole ? 1 : m.Level;
        EnsureStack(a.L, n + 4);
        for (int i = 0; i < n; i++)
        {
            var (cs, cl) = m.Capture(i, start, end);
            if (m.IsPosition(i)) lua_pushinteger(a.L, cs + 1);
            else lua_pushlstring(a.L, s + cs, (nuint)cl);
        }
        return n;
    }
}
