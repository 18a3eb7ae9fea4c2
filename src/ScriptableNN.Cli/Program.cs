using ScriptableNN.Cli;

return SnnApp.Run(args, Console.Out, Console.Error);
