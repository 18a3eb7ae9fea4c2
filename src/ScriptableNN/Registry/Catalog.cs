using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;

namespace ScriptableNN.Registry;

/// <summary>
/// The modules, criteria and optimizers the library knows, by name and by class. The built-in
/// ones are listed in <see cref="BuiltIns"/>; a host adds its own with <see cref="Register(ModuleType)"/>
/// (and the overloads) before it creates a Lua host, and they then work from scripts, in
/// checkpoints, in compiled networks and, given a mapping, in ONNX export.
/// </summary>
public static class Catalog
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, ModuleType> ModulesByName = new(StringComparer.Ordinal);
    private static readonly Dictionary<Type, ModuleType> ModulesByClass = new();
    private static readonly Dictionary<string, CriterionType> CriteriaByName = new(StringComparer.Ordinal);
    private static readonly Dictionary<Type, CriterionType> CriteriaByClass = new();
    private static readonly Dictionary<string, OptimizerType> OptimizersByName = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<Type, OptimizerType> OptimizersByClass = new();
    private static readonly List<ModuleType> ModuleList = new();
    private static readonly List<CriterionType> CriterionList = new();
    private static readonly List<OptimizerType> OptimizerList = new();

    static Catalog() => BuiltIns.RegisterAll();

    /// <summary>The optimizer a training loop uses when none is given (Adam, with its defaults).</summary>
    public static OptimizerType DefaultOptimizer => BuiltIns.DefaultOptimizer;

    /// <summary>Every registered module type, in registration order.</summary>
    public static IReadOnlyList<ModuleType> Modules { get { lock (Gate) return ModuleList.ToArray(); } }

    /// <summary>Every registered criterion type, in registration order.</summary>
    public static IReadOnlyList<CriterionType> Criteria { get { lock (Gate) return CriterionList.ToArray(); } }

    /// <summary>Every registered optimizer type, in registration order.</summary>
    public static IReadOnlyList<OptimizerType> Optimizers { get { lock (Gate) return OptimizerList.ToArray(); } }

    /// <summary>Adds a module type; its name and aliases must be new.</summary>
    public static void Register(ModuleType type)
    {
        lock (Gate)
        {
            Claim(ModulesByName, type.Name, type.Aliases, type, "module");
            ModulesByClass.TryAdd(type.ModuleClass, type);
            ModuleList.Add(type);
        }
    }

    /// <summary>Adds a criterion type; its name and aliases must be new.</summary>
    public static void Register(CriterionType type)
    {
        lock (Gate)
        {
            Claim(CriteriaByName, type.Name, type.Aliases, type, "criterion");
            CriteriaByClass.TryAdd(type.CriterionClass, type);
            CriterionList.Add(type);
        }
    }

    /// <summary>Adds an optimizer type; its name and aliases must be new.</summary>
    public static void Register(OptimizerType type)
    {
        lock (Gate)
        {
            Claim(OptimizersByName, type.Name, type.Aliases, type, "optimizer");
            OptimizersByClass.TryAdd(type.OptimizerClass, type);
            OptimizerList.Add(type);
        }
    }

    private static void Claim<T>(Dictionary<string, T> byName, string name, IReadOnlyList<string> aliases, T type, string what)
    {
        foreach (var n in aliases.Prepend(name))
            if (byName.ContainsKey(n)) throw new ArgumentException($"a {what} called '{n}' is already registered.");
        foreach (var n in aliases.Prepend(name)) byName[n] = type;
    }

    /// <summary>The module type called <paramref name="name"/> (or one of its aliases), or null.</summary>
    public static ModuleType? Module(string name) { lock (Gate) return ModulesByName.GetValueOrDefault(name); }

    /// <summary>The type of <paramref name="module"/>; a module whose class was never registered throws, naming it.</summary>
    public static ModuleType TypeOf(Module module)
    {
        lock (Gate)
            return ModulesByClass.GetValueOrDefault(module.GetType())
                ?? throw new NotSupportedException($"{module} ({module.GetType().FullName}) is not a registered module type; register a ModuleType for it with Catalog.Register.");
    }

    /// <summary>The type of <paramref name="module"/>, or null when its class was never registered.</summary>
    public static ModuleType? TryTypeOf(Module module) { lock (Gate) return ModulesByClass.GetValueOrDefault(module.GetType()); }

    /// <summary>The criterion type called <paramref name="name"/> (or one of its aliases), or null.</summary>
    public static CriterionType? Criterion(string name) { lock (Gate) return CriteriaByName.GetValueOrDefault(name); }

    /// <summary>The optimizer type called <paramref name="name"/> (any case, or an alias), or null.</summary>
    public static OptimizerType? Optimizer(string name) { lock (Gate) return OptimizersByName.GetValueOrDefault(name); }

    /// <summary>The type of <paramref name="optimizer"/>; one whose class was never registered throws, naming it.</summary>
    public static OptimizerType TypeOf(Optimizer optimizer)
    {
        lock (Gate)
            return OptimizersByClass.GetValueOrDefault(optimizer.GetType())
                ?? throw new NotSupportedException($"optimizer {optimizer.GetType().FullName} is not registered; register an OptimizerType for it with Catalog.Register.");
    }
}
