using System.Text.Json.Nodes;
using ScriptableNN.Registry;
using ScriptableNN.Tensors;
using static ScriptableNN.Lua.Native;

namespace ScriptableNN.Lua;

/// <summary>
/// The one place a script's constructor arguments become a registered type's settings: values by
/// position as the schema orders them (Torch7's <c>nn.Linear(2, 8, false)</c>), then, from the
/// first table that is not a list, settings by name (<c>nn.Linear(2, 8, {init = "he"})</c>).
/// Every read is raw, and a value of the wrong kind names the setting, the argument and the call.
/// </summary>
internal static class SettingsReader
{
    /// <summary>Settings from the arguments at <paramref name="first"/> onward.</summary>
    public static JsonObject Read(Args a, int first, SettingsSchema schema, string call)
    {
        var json = new JsonObject();
        int top = a.Count;
        for (int idx = first, k = 0; idx <= top; idx++, k++)
        {
            int t = a.Type(idx);
            if (t == TTable && !IsList(a, idx, schema, k))
            {
                ReadNamed(a, idx, schema, call, null, strict: true, json);
                if (idx < top) throw new ScriptError($"{call}: nothing may follow the table of options");
                break;
            }
            if (k >= schema.Positional.Count)
            {
                if (t == TNil) continue;
                throw new ScriptError($"{call}: too many arguments ({schema.Signature(call)} takes {schema.Positional.Count})");
            }
            if (t == TNil) continue;
            var s = schema.Settings[schema.Positional[k]];
            if (s.Kind == SettingKind.Numbers && t == TNumber)
            {
                // A list setting given as numbers in a row (Torch7's nn.Reshape(28, 28, true)).
                var list = new JsonArray();
                while (idx <= top && a.Type(idx) == TNumber) list.Add(a.Number(idx++));
                json[s.Name] = list;
                idx--;
                continue;
            }
            json[s.Name] = Value(a, idx, s, call, $"argument #{idx - first + 1}");
        }
        return json;
    }

    /// <summary>
    /// Settings by name from the table at <paramref name="idx"/>; names may also be written in
    /// snake_case or as one of <paramref name="aliases"/>. With <paramref name="strict"/>, an
    /// unknown name is an error (it is usually a misspelling); without, it is skipped (Torch7's
    /// optim keeps its state in the same table as the settings).
    /// </summary>
    public static JsonObject ReadNamed(Args a, int idx, SettingsSchema schema, string call, IReadOnlyDictionary<string, string>? aliases, bool strict, JsonObject? into = null, string? ignore = null)
    {
        var json = into ?? new JsonObject();
        if (a.Type(idx) != TTable) return json;
        IntPtr L = a.L;
        if (lua_checkstack(L, 3) == 0) throw new ScriptError($"{call}: out of stack space");
        int abs = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
        lua_pushnil(L);
        while (lua_next(L, abs) != 0)
        {
            // key at -2, value at -1
            string? key = lua_type(L, -2) == TString ? Native.ToString(L, -2) : null;
            if (key == null)
            {
                lua_settop(L, -2);
                if (strict) throw new ScriptError($"{call}: option names must be strings");
                continue;
            }
            if (key == ignore) { lua_settop(L, -2); continue; }
            string name = aliases != null && aliases.TryGetValue(key, out var canon) ? canon : CamelCase(key);
            if (!schema.Settings.TryGetValue(name, out var s))
            {
                lua_settop(L, -2);
                if (strict) throw new ScriptError($"{call}: unknown option '{key}' (options: {string.Join(", ", schema.Settings.Keys)})");
                continue;
            }
            json[s.Name] = lua_type(L, -1) == TNil ? null : Value(a, lua_gettop(L), s, call, $"option '{key}'");
            lua_settop(L, -2);
        }
        return json;
    }

    // weight_decay -> weightDecay
    private static string CamelCase(string key)
    {
        if (!key.Contains('_')) return key;
        var parts = key.Split('_', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 1; i < parts.Length; i++) parts[i] = char.ToUpperInvariant(parts[i][0]) + parts[i][1..];
        return string.Join("", parts);
    }

    // A table where a list of numbers is due (class weights as {1, 2, 0.5}) is a value, not options.
    private static bool IsList(Args a, int idx, SettingsSchema schema, int k)
    {
        if (k >= schema.Positional.Count || schema.Settings[schema.Positional[k]].Kind != SettingKind.Numbers) return false;
        return lua_rawlen(a.L, idx) > 0;
    }

    private static JsonNode? Value(Args a, int idx, Setting s, string call, string where)
    {
        int t = a.Type(idx);
        ScriptError Bad(string expected) => new($"{call}: {where} ('{s.Name}') must be {expected}, got {TypeName(t)}");
        switch (s.Kind)
        {
            case SettingKind.Integer:
            {
                if (t != TNumber) throw Bad("a whole number");
                double v = a.Number(idx);
                if (v != Math.Floor(v)) throw new ScriptError($"{call}: {where} ('{s.Name}') must be a whole number, got {v}");
                if (Math.Abs(v) > int.MaxValue) throw new ScriptError($"{call}: {where} ('{s.Name}') is out of range ({v})");
                return JsonValue.Create((long)v);
            }
            case SettingKind.Number:
                if (t != TNumber) throw Bad("a number");
                double d = a.Number(idx);
                return double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(System.Globalization.CultureInfo.InvariantCulture));
            case SettingKind.Boolean:
                if (t != TBoolean) throw Bad("true or false");
                return JsonValue.Create(a.Bool(idx));
            case SettingKind.String:
                if (t != TString) throw Bad("a string");
                return JsonValue.Create(a.String(idx));
            default:
            {
                var arr = new JsonArray();
                if (a.Host.Objects.Get<Tensor>(a.L, idx, ObjectKind.Tensor) is { } tensor)
                {
                    foreach (var f in tensor.Span) arr.Add(f);
                    return arr;
                }
                if (t != TTable) throw Bad("a tensor or a list of numbers");
                int n = (int)Math.Min(lua_rawlen(a.L, idx), int.MaxValue);
                for (int i = 1; i <= n; i++)
                {
                    lua_rawgeti(a.L, idx, i);
                    int ok;
                    double v;
                    unsafe { v = lua_tonumberx(a.L, -1, &ok); }
                    bool number = lua_type(a.L, -1) == TNumber;
                    lua_settop(a.L, -2);
                    if (!number) throw new ScriptError($"{call}: {where} ('{s.Name}') must hold numbers; item {i} is not one");
                    arr.Add(v);
                }
                return arr;
            }
        }
    }

    /// <summary>Pushes settings as a Lua table (numbers, booleans, strings, lists of numbers).</summary>
    public static void Push(Args a, JsonObject json)
    {
        IntPtr L = a.L;
        if (lua_checkstack(L, 4) == 0) throw new ScriptError("out of stack space");
        lua_createtable(L, 0, json.Count);
        foreach (var (k, v) in json)
        {
            if (v is JsonArray arr)
            {
                lua_createtable(L, arr.Count, 0);
                for (int i = 0; i < arr.Count; i++) { lua_pushnumber(L, (double)arr[i]!); lua_rawseti(L, -2, i + 1); }
            }
            else if (v is JsonValue val && val.TryGetValue(out bool b)) lua_pushboolean(L, b ? 1 : 0);
            else if (v is JsonValue sv && sv.TryGetValue(out string? str)) PushString(L, str);
            else if (v is JsonValue nv) lua_pushnumber(L, (double)nv);
            else continue;
            RawSetField(L, -2, k);
        }
    }
}
