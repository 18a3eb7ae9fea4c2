using BenchmarkDotNet.Running;

// `gemm`: the peak and GEMM table in one run; `train`: the training-step table;
// `robustness`: attacks by class against a host with a timeout and a memory cap; `rl [seeds]`: the
// reinforcement-learning targets and PPO speed against PyTorch.
// Anything else goes to BenchmarkDotNet (for example `--filter '*Gemm*'`).
switch (args.FirstOrDefault())
{
    case "gemm": GemmTable.Run(); return;
    case "train": TrainingTable.Run(); return;
    case "infer": InferenceTable.Run(); return;
    case "lua": LuaTable.Run(); return;
    case "robustness": RobustnessTable.Run(); return;
    case "compare": Compare.Run(args); return;
    case "rl": RLTable.Run(args); return;
}
BenchmarkSwitcher.FromAssembly(typeof(GemmTable).Assembly).Run(args);
