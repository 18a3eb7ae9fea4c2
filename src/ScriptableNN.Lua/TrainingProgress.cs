namespace ScriptableNN.Lua;

/// <summary>One epoch of <c>train.fit</c>, as the host sees it.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, double Loss, double? Accuracy, double? ValidationLoss, double? ValidationAccuracy);
