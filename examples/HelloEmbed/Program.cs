// The smallest host: a Lua script defines and trains a network, then C# uses it every "frame".
using ScriptableNN.Inference;
using ScriptableNN.Lua;

const string script = """
    -- A designer's script: learn y = sin(x) from noisy samples.
    torch.manualSeed(1)
    net = nn.Sequential():add(nn.Linear(1, 32)):add(nn.Tanh()):add(nn.Linear(32, 1))
    train.fit{
      model = net, loss = nn.MSECriterion(), optimizer = optim.Adam(net, {lr = 0.01}),
      data = data.sine{n = 1000, noise = 0.05, seed = 2}, epochs = 40, batchSize = 32, verbose = false,
    }
    """;

// One host per thread; the sandbox is on by default.
using var host = new LuaHost(new LuaHostOptions { Timeout = TimeSpan.FromSeconds(30) });
try
{
    host.Run(script, "sine.lua");
}
catch (LuaScriptException e)
{
    Console.Error.WriteLine($"script failed at {e.Chunk}:{e.Line}: {e.Message}");
    return 1;
}

// Freeze the trained network for inference: no tape, no allocation per call.
var policy = CompiledNetwork.Compile(host.GetModule("net"));
Span<float> input = stackalloc float[1];
Span<float> output = stackalloc float[1];

double worst = 0;
for (int frame = 0; frame < 8; frame++)
{
    input[0] = -3f + frame * 0.8f;
    policy.Run(input, output);
    worst = Math.Max(worst, Math.Abs(output[0] - Math.Sin(input[0])));
    Console.WriteLine($"frame {frame}: net({input[0],5:F2}) = {output[0],7:F4}   sin = {Math.Sin(input[0]),7:F4}");
}
Console.WriteLine($"largest error {worst:F4}");
return worst < 0.1 ? 0 : 2;
