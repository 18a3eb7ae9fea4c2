using BenchmarkDotNet.Running;

// `gemm`: the peak and GEMM table in one run. Anything else goes to BenchmarkDotNet
// (for example `--filter '*Gemm*'`).
if (args.Length > 0 && args[0] == "gemm") { GemmTable.Run(); return; }
BenchmarkSwitcher.FromAssembly(typeof(GemmTable).Assembly).Run(args);
