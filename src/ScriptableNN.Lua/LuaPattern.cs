namespace ScriptableNN.Lua;

/// <summary>
/// Lua 5.4's patterns (string.find, match, gmatch, gsub) matched in C#, so that a script's
/// budgets hold inside them: Lua's own matcher runs no Lua instruction, so no hook can stop a
/// pattern that backtracks for hours (<c>("a"):rep(1e5):find(".-.-.-b")</c>). This one counts
/// its steps and charges them to the host as instructions (one a step), which stops the script at its budget or timeout.
/// The semantics are those of the reference manual (§6.4.1): classes, sets, the four
/// repetitions, anchors, captures, position captures, back-references, %b and %f, and the
/// same limits (32 captures, 200 levels of pattern recursion).
/// </summary>
internal unsafe struct LuaPattern
{
    public const int MaxCaptures = 32;
    private const int MaxDepth = 200;
    private const int Unfinished = -1, Position = -2;
    private const int ChargeEvery = 1 << 16;

    private readonly byte* _src;
    private readonly int _srcLen;
    private readonly byte* _pat;
    private readonly int _patLen;
    private readonly LuaHost? _host;
    private int _depth;
    private long _steps;

    /// <summary>Captures of the last successful match: start and length (or Position).</summary>
    public int Level;
    private fixed int _capStart[MaxCaptures];
    private fixed int _capLen[MaxCaptures];

    public LuaPattern(byte* src, int srcLen, byte* pat, int patLen, LuaHost? host)
    {
        _src = src; _srcLen = srcLen; _pat = pat; _patLen = patLen; _host = host;
        _depth = MaxDepth; _steps = 0; Level = 0;
    }

    /// <summary>Whether the pattern has none of Lua's special characters (find may then search plainly).</summary>
    public static bool NoSpecials(byte* p, int len)
    {
        for (int i = 0; i < len; i++)
            switch (p[i])
            {
                case (byte)'^': case (byte)'$': case (byte)'*': case (byte)'+': case (byte)'?':
                case (byte)'.': case (byte)'(': case (byte)'[': case (byte)'%': case (byte)'-':
                    return false;
            }
        return true;
    }

    /// <summary>Matches the pattern from <paramref name="p"/> against the subject at <paramref name="s"/>: the end of the match, or -1.</summary>
    public int Match(int s, int p)
    {
        Level = 0;
        _depth = MaxDepth;
        return DoMatch(s, p);
    }

    /// <summary>Steps not yet charged to the host; call once the match is over.</summary>
    public void Settle()
    {
        _host?.Charge(_steps % ChargeEvery);
        _steps = 0;
    }

    private void Tick()
    {
        if (++_steps % ChargeEvery == 0) _host?.Charge(ChargeEvery);
    }

    private static ScriptError Error(string message) => new(message);

    private int DoMatch(int s, int p)
    {
        if (_depth-- == 0) throw Error("pattern too complex");
        Tick();
        while (true)
        {
            if (p == _patLen) break;
            switch (_pat[p])
            {
                case (byte)'(':
                    s = p + 1 < _patLen && _pat[p + 1] == ')' ? StartCapture(s, p + 2, Position) : StartCapture(s, p + 1, Unfinished);
                    goto done;
                case (byte)')':
                    s = EndCapture(s, p + 1);
                    goto done;
                case (byte)'$' when p + 1 == _patLen:
                    if (s != _srcLen) s = -1;
                    goto done;
                case (byte)'%' when p + 1 < _patLen && _pat[p + 1] == 'b':
                    s = MatchBalance(s, p + 2);
                    if (s != -1) { p += 4; continue; }
                    goto done;
                case (byte)'%' when p + 1 < _patLen && _pat[p + 1] == 'f':
                {
                    p += 2;
                    if (p >= _patLen || _pat[p] != '[') throw Error("missing '[' after '%f' in pattern");
                    int ep = ClassEnd(p);
                    int previous = s == 0 ? 0 : _src[s - 1];
                    int current = s < _srcLen ? _src[s] : 0;
                    if (!MatchBracketClass(previous, p, ep - 1) && MatchBracketClass(current, p, ep - 1)) { p = ep; continue; }
                    s = -1;
                    goto done;
                }
                case (byte)'%' when p + 1 < _patLen && _pat[p + 1] >= '0' && _pat[p + 1] <= '9':
                    s = MatchCapture(s, _pat[p + 1]);
                    if (s != -1) { p += 2; continue; }
                    goto done;
                default:
                {
                    int ep = ClassEnd(p);
                    byte next = ep < _patLen ? _pat[ep] : (byte)0;
                    if (!SingleMatch(s, p, ep))
                    {
                        if (next is (byte)'*' or (byte)'?' or (byte)'-') { p = ep + 1; continue; }   // zero repetitions
                        s = -1;
                        goto done;
                    }
                    switch (next)
                    {
                        case (byte)'?':
                        {
                            int r = DoMatch(s + 1, ep + 1);
                            if (r != -1) { s = r; goto done; }
                            p = ep + 1;
                            continue;
                        }
                        case (byte)'+': s = MaxExpand(s + 1, p, ep); goto done;
                        case (byte)'*': s = MaxExpand(s, p, ep); goto done;
                        case (byte)'-': s = MinExpand(s, p, ep); goto done;
                        default: s++; p = ep; continue;
                    }
                }
            }
        }
    done:
        _depth++;
        return s;
    }

    private int MaxExpand(int s, int p, int ep)
    {
        int i = 0;
        while (SingleMatch(s + i, p, ep)) { i++; Tick(); }
        for (; i >= 0; i--)                      // try with the longest run first
        {
            int r = DoMatch(s + i, ep + 1);
            if (r != -1) return r;
        }
        return -1;
    }

    private int MinExpand(int s, int p, int ep)
    {
        while (true)
        {
            int r = DoMatch(s, ep + 1);
            if (r != -1) return r;
            if (!SingleMatch(s, p, ep)) return -1;
            s++;
        }
    }

    private int StartCapture(int s, int p, int what)
    {
        if (Level >= MaxCaptures) throw Error("too many captures");
        _capStart[Level] = s;
        _capLen[Level] = what;
        Level++;
        int r = DoMatch(s, p);
        if (r == -1) Level--;
        return r;
    }

    private int EndCapture(int s, int p)
    {
        int l = -1;
        for (int i = Level - 1; i >= 0; i--) if (_capLen[i] == Unfinished) { l = i; break; }
        if (l < 0) throw Error("invalid pattern capture");
        _capLen[l] = s - _capStart[l];
        int r = DoMatch(s, p);
        if (r == -1) _capLen[l] = Unfinished;
        return r;
    }

    private int MatchBalance(int s, int p)
    {
        if (p + 1 >= _patLen) throw Error("malformed pattern (missing arguments to '%b')");
        if (s >= _srcLen || _src[s] != _pat[p]) return -1;
        byte open = _pat[p], close = _pat[p + 1];
        int depth = 1;
        while (++s < _srcLen)
        {
            Tick();
            byte c = _src[s];
            if (c == close) { if (--depth == 0) return s + 1; }
            else if (c == open) depth++;
        }
        return -1;
    }

    private int MatchCapture(int s, byte digit)
    {
        int l = CheckCapture(digit);
        int len = _capLen[l];
        if (_srcLen - s >= len && new ReadOnlySpan<byte>(_src + _capStart[l], len).SequenceEqual(new ReadOnlySpan<byte>(_src + s, len)))
            return s + len;
        return -1;
    }

    private int CheckCapture(byte digit)
    {
        int l = digit - '1';
        if (l < 0 || l >= Level || _capLen[l] == Unfinished) throw Error($"invalid capture index %{l + 1}");
        return l;
    }

    // The end of the single-character class at p (one past a set's ']').
    private int ClassEnd(int p)
    {
        byte c = _pat[p++];
        if (c == '%')
        {
            if (p >= _patLen) throw Error("malformed pattern (ends with '%')");
            return p + 1;
        }
        if (c == '[')
        {
            if (p < _patLen && _pat[p] == '^') p++;
            do                                   // the first character is part of the set, even ']'
            {
                if (p >= _patLen) throw Error("malformed pattern (missing ']')");
                byte x = _pat[p++];
                if (x == '%' && p < _patLen) p++;
            } while (p >= _patLen || _pat[p] != ']');
            return p + 1;
        }
        return p;
    }

    private bool SingleMatch(int s, int p, int ep)
    {
        if (s >= _srcLen) return false;
        int c = _src[s];
        return _pat[p] switch
        {
            (byte)'.' => true,
            (byte)'%' => MatchClass(c, _pat[p + 1]),
            (byte)'[' => MatchBracketClass(c, p, ep - 1),
            var x => x == c,
        };
    }

    // A set from '[' at p to its ']' at end.
    private bool MatchBracketClass(int c, int p, int end)
    {
        bool match = true;
        if (_pat[p + 1] == '^') { match = false; p++; }
        while (++p < end)
        {
            if (_pat[p] == '%')
            {
                p++;
                if (MatchClass(c, _pat[p])) return match;
            }
            else if (_pat[p + 1] == '-' && p + 2 < end)
            {
                p += 2;
                if (_pat[p - 2] <= c && c <= _pat[p]) return match;
            }
            else if (_pat[p] == c) return match;
        }
        return !match;
    }

    // %a %c %d %g %l %p %s %u %w %x as the C locale defines them; upper case is the complement.
    public static bool MatchClass(int c, int cl)
    {
        bool r;
        switch (cl | 0x20)
        {
            case 'a': r = IsAlpha(c); break;
            case 'c': r = c < 32 || c == 127; break;
            case 'd': r = c is >= '0' and <= '9'; break;
            case 'g': r = c is > 32 and < 127; break;
            case 'l': r = c is >= 'a' and <= 'z'; break;
            case 'p': r = c is > 32 and < 127 && !IsAlpha(c) && c is not (>= '0' and <= '9'); break;
            case 's': r = c == ' ' || c is >= 9 and <= 13; break;
            case 'u': r = c is >= 'A' and <= 'Z'; break;
            case 'w': r = IsAlpha(c) || c is >= '0' and <= '9'; break;
            case 'x': r = c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F'; break;
            default: return cl == c;
        }
        return cl is >= 'A' and <= 'Z' ? !r : r;
    }

    private static bool IsAlpha(int c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z';

    /// <summary>Capture <paramref name="i"/> of the match [s, e): start and length, or start and Position for a position capture.</summary>
    public (int Start, int Length) Capture(int i, int s, int e)
    {
        if (i >= Level)
        {
            if (i != 0) throw Error($"invalid capture index %{i + 1}");
            return (s, e - s);                   // no captures: the whole match
        }
        int len = _capLen[i];
        if (len == Unfinished) throw Error("unfinished capture");
        return (_capStart[i], len);
    }

    /// <summary>Whether capture <paramref name="i"/> is a position capture.</summary>
    public bool IsPosition(int i) => i < Level && _capLen[i] == Position;
}
