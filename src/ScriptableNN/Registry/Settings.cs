using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ScriptableNN.Registry;

/// <summary>The kinds of value a setting holds, as a script passes it.</summary>
public enum SettingKind
{
    /// <summary>A whole number.</summary>
    Integer,
    /// <summary>A number.</summary>
    Number,
    /// <summary>true or false.</summary>
    Boolean,
    /// <summary>A string (enumerations are written as their lower-camel name).</summary>
    String,
    /// <summary>A list of numbers (a tensor or an array table from Lua).</summary>
    Numbers,
}

/// <summary>One setting of a unit, criterion or optimizer: its JSON name, kind and whether it must be given.</summary>
public sealed record Setting(string Name, SettingKind Kind, bool Required, Type Type);

/// <summary>
/// The settings record of a registered type, seen as data: its JSON names in lower camel case
/// (the checkpoint's keys and the script's option names), and the positional order a
/// constructor call takes them in. Built once per type by reflection.
/// </summary>
public sealed class SettingsSchema
{
    /// <summary>How every settings record is written: lower camel case, enumerations as strings, read case-insensitively.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Every setting by JSON name.</summary>
    public IReadOnlyDictionary<string, Setting> Settings { get; }

    /// <summary>The settings a constructor call takes by position, in order.</summary>
    public IReadOnlyList<string> Positional { get; }

    /// <summary>The record type.</summary>
    public Type Type { get; }

    /// <summary>The schema of <paramref name="type"/>, with <paramref name="positional"/> its settings by position.</summary>
    public SettingsSchema(Type type, IReadOnlyList<string> positional)
    {
        Type = type;
        var settings = new Dictionary<string, Setting>(StringComparer.Ordinal);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!p.CanWrite || p.GetCustomAttribute<JsonIgnoreAttribute>() != null) continue;
            string name = JsonNamingPolicy.CamelCase.ConvertName(p.Name);
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            var kind = t == typeof(int) || t == typeof(long) ? SettingKind.Integer
                : t == typeof(float) || t == typeof(double) ? SettingKind.Number
                : t == typeof(bool) ? SettingKind.Boolean
                : t == typeof(string) || t.IsEnum ? SettingKind.String
                : t == typeof(float[]) ? SettingKind.Numbers
                : throw new ArgumentException($"{type.Name}.{p.Name}: a setting must be a number, boolean, string, enumeration or float[], not {t.Name}.");
            settings[name] = new Setting(name, kind, p.GetCustomAttribute<RequiredMemberAttribute>() != null, t);
        }
        foreach (var n in positional)
            if (!settings.ContainsKey(n)) throw new ArgumentException($"{type.Name}: positional argument '{n}' is not one of its settings ({string.Join(", ", settings.Keys)}).");
        Settings = settings;
        Positional = positional;
    }

    /// <summary>The record from <paramref name="json"/>; a missing required setting or a value of the wrong kind throws <see cref="ArgumentException"/> naming it.</summary>
    public object Read(JsonObject json, string owner)
    {
        foreach (var s in Settings.Values)
            if (s.Required && json[s.Name] is null)
                throw new ArgumentException($"{owner}: '{s.Name}' is required ({Signature(owner)}).");
        try { return json.Deserialize(Type, Json) ?? throw new ArgumentException($"{owner}: no settings."); }
        catch (JsonException e) { throw new ArgumentException($"{owner}: bad setting {e.Path?.TrimStart('$', '.')} ({e.Message})", e); }
    }

    /// <summary>The record as JSON.</summary>
    public JsonObject Write(object settings) => JsonSerializer.SerializeToNode(settings, Type, Json)!.AsObject();

    /// <summary>How a call looks, for messages: <c>nn.Linear(in, out, bias)</c>.</summary>
    public string Signature(string owner) => $"{owner}({string.Join(", ", Positional)})";
}

/// <summary>The settings of a type that has none.</summary>
public sealed record NoSettings;
