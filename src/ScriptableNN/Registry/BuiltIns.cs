using ScriptableNN.Losses;
using ScriptableNN.NN;
using ScriptableNN.Optim;

namespace ScriptableNN.Registry;

/// <summary>The registration list: one line per built-in module, criterion and optimizer.</summary>
internal static class BuiltIns
{
    /// <summary>What train.fit uses when a script names no optimizer.</summary>
    public static OptimizerType DefaultOptimizer => Adam.Type;

    public static void RegisterAll()
    {
        Catalog.Register(Sequential.Type);
        Catalog.Register(Linear.Type);
        Catalog.Register(Identity.Type);
        Catalog.Register(ReLU.Type);
        Catalog.Register(LeakyReLU.Type);
        Catalog.Register(PReLU.Type);
        Catalog.Register(Abs.Type);
        Catalog.Register(Maxout.Type);
        Catalog.Register(Sigmoid.Type);
        Catalog.Register(Tanh.Type);
        Catalog.Register(SoftPlus.Type);
        Catalog.Register(HardTanh.Type);
        Catalog.Register(Cos.Type);
        Catalog.Register(RBF.Type);
        Catalog.Register(SoftMax.Type);
        Catalog.Register(LogSoftMax.Type);
        Catalog.Register(Dropout.Type);
        Catalog.Register(ELU.Type);
        Catalog.Register(BatchNormalization.Type);
        Catalog.Register(LayerNorm.Type);
        Catalog.Register(Reshape.Type);

        Catalog.Register(MSECriterion.Type);
        Catalog.Register(AbsCriterion.Type);
        Catalog.Register(BCECriterion.Type);
        Catalog.Register(BCEWithLogitsCriterion.Type);
        Catalog.Register(ClassNLLCriterion.Type);
        Catalog.Register(CrossEntropyCriterion.Type);
        Catalog.Register(GaussianNLLCriterion.Type);

        Catalog.Register(Sgd.Type);
        Catalog.Register(Adam.Type);
        Catalog.Register(Adam.WType);
        Catalog.Register(RmsProp.Type);
    }
}
