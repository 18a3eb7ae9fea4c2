namespace ScriptableNN.Lua;

/// <summary>Every binding, by group; a binding's index here is its id in the dispatcher.</summary>
internal static class Bindings
{
    public static readonly List<(string Group, Binding Binding)> All = new();

    static Bindings()
    {
        Add("Tensor", TensorBindings.Methods);
        Add("torch", TensorBindings.Functions);
        Add("View", ViewBindings.Functions);
        Add("nn", NNBindings.Functions);
        Add("Module", NNBindings.ModuleMethods);
        Add("Criterion", NNBindings.CriterionMethods);
        Add("Compiled", NNBindings.CompiledMethods);
        Add("optim", OptimBindings.Functions);
        Add("host", HostBindings.Functions);
        Add("data", DataBindings.Functions);
        Add("train", DataBindings.TrainerMethods);
        Add("str", StringBindings.Functions);
        Add("rl", RLBindings.Functions);
    }

    private static void Add(string group, Binding[] table)
    {
        foreach (var b in table) All.Add((group, b));
    }
}
