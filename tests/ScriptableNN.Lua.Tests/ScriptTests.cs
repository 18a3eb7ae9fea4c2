using NUnit.Framework;
using ScriptableNN.Lua;
using ScriptableNN.NN;
using ScriptableNN.Tensors;

namespace ScriptableNN.Lua.Tests;

[TestFixture]
public class ScriptTests
{
    [Test]
    public void LectureXorTrainsFromLuaToZeroErrors()
    {
        using var host = new LuaHost(new LuaHostOptions { Seed = 6 });
        var r = host.Run(@"
            local X = torch.Tensor({{0,0},{1,0},{0,1},{1,1}})
            local Y = torch.Tensor({{0},{1},{1},{0}})
            net = nn.Sequential():add(nn.Linear(2, 8, {init = 'he_normal'})):add(nn.ReLU()):add(nn.Linear(8, 1, {init = 'he_normal'}))
            local mse = nn.MSECriterion()
            local opt = optim.Adam(net, {lr = 0.01})
            for step = 1, 2000 do
              opt:zeroGrad()
              local y = net:forward(X)
              mse:forward(y, Y)
              net:backward(X, mse:backward(y, Y))
              opt:step()
            end
            local errors = 0
            local y = net:forward(X)
            for i = 1, 4 do
              if (y[i][1] > 0.5) ~= (Y[i][1] > 0.5) then errors = errors + 1 end
            end
            return errors, mse:forward(y, Y)", "xor");
        Assert.That(r[0], Is.EqualTo(0L));
        Assert.That((double)r[1]!, Is.LessThan(0.01));
        // The trained network is usable from C#.
        var net = host.GetModule("net");
        var y = net.Forward(Tensor.FromRows(new float[] { 1, 0 }, new float[] { 1, 1 }));
        Assert.That(y[0], Is.GreaterThan(0.5f));
        Assert.That(y[1], Is.LessThan(0.5f));
    }

    // The classic Torch7 tutorial, unmodified: per-sample training with forward/backward/updateParameters.
    [Test]
    public void Torch7TutorialScriptRunsUnmodified()
    {
        using var host = new LuaHost(new LuaHostOptions { Seed = 1 });
        var r = host.Run(@"
            require 'nn'
            mlp = nn.Sequential();  -- make a multi-layer perceptron
            inputs = 2; outputs = 1; HUs = 20; -- parameters
            mlp:add(nn.Linear(inputs, HUs))
            mlp:add(nn.Tanh())
            mlp:add(nn.Linear(HUs, outputs))

            criterion = nn.MSECriterion()

            for i = 1,2500 do
              -- random sample
              local input= torch.randn(2);     -- normally distributed example in 2d
              local output= torch.Tensor(1);
              if input[1]*input[2] > 0 then  -- calculate label for XOR function
                output[1] = -1
              else
                output[1] = 1
              end

              -- feed it to the neural network and the criterion
              criterion:forward(mlp:forward(input), output)

              -- train over this example in 3 steps
              -- (1) zero the accumulation of the gradients
              mlp:zeroGradParameters()
              -- (2) accumulate gradients
              mlp:backward(input, criterion:backward(mlp.output, output))
              -- (3) update parameters with a 0.01 learning rate
              mlp:updateParameters(0.01)
            end

            local errors = 0
            for _, x in ipairs({{0.5, 0.5}, {0.5, -0.5}, {-0.5, 0.5}, {-0.5, -0.5}}) do
              local input = torch.Tensor(x)
              local want = (x[1] * x[2] > 0) and -1 or 1
              local got = mlp:forward(input)[1]
              if (got > 0) ~= (want > 0) then errors = errors + 1 end
            end
            return errors", "tutorial");
        Assert.That(r[0], Is.EqualTo(0L));
    }

    // Torch7's optim.sgd with getParameters and a feval closure.
    [Test]
    public void OptimSgdWithFevalClosureTrains()
    {
        using var host = new LuaHost(new LuaHostOptions { Seed = 3 });
        var r = host.Run(@"
            require 'nn'; require 'optim'
            local model = nn.Sequential():add(nn.Linear(2, 16)):add(nn.Tanh()):add(nn.Linear(16, 2)):add(nn.LogSoftMax())
            local criterion = nn.ClassNLLCriterion()
            local x, dl_dx = model:getParameters()
            local x2 = model:getParameters()
            assert(x2 == x, 'getParameters twice returns the same vector')
            local inputs = torch.Tensor({{0,0},{1,0},{0,1},{1,1}})
            local targets = torch.Tensor({1, 2, 2, 1})   -- 1-based classes, as in Torch7
            local config = {learningRate = 0.5, momentum = 0.9}
            for epoch = 1, 300 do
              local feval = function(x_new)
                if x ~= x_new then x:copy(x_new) end
                dl_dx:zero()
                local loss = criterion:forward(model:forward(inputs), targets)
                model:backward(inputs, criterion:backward(model.output, targets))
                return loss, dl_dx
              end
              optim.sgd(feval, x, config)
            end
            local _, pred = model:forward(inputs):max(2)
            local errors = 0
            for i = 1, 4 do if pred[i][1] ~= targets[i] then errors = errors + 1 end end
            return errors, config.evalCounter", "optim");
        Assert.That(r[0], Is.EqualTo(0L));
        Assert.That(r[1], Is.EqualTo(300L));
    }

    [Test]
    public void TensorApiFollowsTorch7()
    {
        using var host = new LuaHost();
        var r = host.Run(@"
            local t = torch.Tensor(2, 3)
            assert(t:dim() == 2 and t:nElement() == 6 and t:size(2) == 3)
            t:fill(2)
            t[1][2] = 5
            assert(t[1][2] == 5 and t[2][1] == 2)
            local u = t:clone():mul(2):add(1)             -- in place, chained
            assert(u[1][2] == 11 and t[1][2] == 5)
            local v = t + 1                                -- operators give new tensors
            assert(v[2][3] == 3 and t[2][3] == 2)
            assert((t * 3)[1][1] == 6 and (3 * t)[1][1] == 6 and (t / 2)[1][1] == 1 and (1 - t)[1][1] == -1)
            local m = torch.Tensor({{1,2},{3,4}})
            local p = m * m                                -- Torch7: matrix product
            assert(p[1][1] == 7 and p[2][2] == 22)
            assert(m:mm(m)[2][1] == 15)
            local mv = m * torch.Tensor({1, 1})
            assert(mv[1] == 3 and mv[2] == 7)
            assert(torch.Tensor({1,2}) * torch.Tensor({3,4}) == 11)
            assert(m:t()[1][2] == 3)
            assert(m:view(4)[3] == 3 and m:view(-1, 1):size(1) == 4)
            assert(m:sum() == 10 and m:mean() == 2.5 and m:max() == 4 and m:argmax() == 4)
            local vals, idx = m:max(2)
            assert(vals[1][1] == 2 and idx[2][1] == 2)
            assert((#m)[1] == 2 and #(#m) == 2)
            local e = torch.zeros(3):add(1):cmul(torch.Tensor({1,2,3}))
            assert(e[3] == 3)
            local c = torch.ones(2, 2); c:copy(m); assert(c[2][2] == 4)
            c:zero(); assert(c:sum() == 0)
            local sz = m:size(); assert(sz[1] == 2 and sz[2] == 2)
            return tostring(m), torch.type(m), m[2]:size(1)", "tensor");
        Assert.That(r[0], Does.Contain("[torch.FloatTensor of size 2x2]"));
        Assert.That(r[1], Is.EqualTo("torch.FloatTensor"));
        Assert.That(r[2], Is.EqualTo(2L));
    }

    [Test]
    public void IntegersAndFloatsAreBothNumbers()
    {
        using var host = new LuaHost();
        var r = host.Run(@"
            local t = torch.Tensor(3/1, 2)           -- 3.0 is a size
            local crit = nn.ClassNLLCriterion()
            local lp = torch.Tensor({{-1, -2}, {-3, -0.5}, {-0.1, -4}})
            local a = crit:forward(lp, torch.Tensor({1, 2, 1}))
            return t:size(1), a, crit:forward(lp[1]:view(1, 2), 1), crit:forward(lp[1]:view(1, 2), 1.0)");
        Assert.That(r[0], Is.EqualTo(3L));
        Assert.That((double)r[1]!, Is.EqualTo((1 + 0.5 + 0.1) / 3).Within(1e-6));
        Assert.That(r[2], Is.EqualTo(r[3]));
    }

    [Test]
    public void AutogradOnTensorsForACustomLoss()
    {
        using var host = new LuaHost();
        var r = host.Run(@"
            local w = torch.Tensor({1.5, -2, 3})
            w.requiresGrad = true
            local loss = torch.sum(torch.cmul(w, w) + w)   -- d/dw = 2w + 1
            loss:backward()
            local g = w.grad
            local v = torch.Tensor({1, 2, 3}); v.requiresGrad = true
            local dot = v * torch.Tensor({4, 5, 6})          -- Torch7's vector product is the dot product
            dot:backward()
            return g[1], g[2], g[3], loss[1], v.grad[2], dot[1]");
        Assert.That(r[0], Is.EqualTo(4.0));
        Assert.That(r[1], Is.EqualTo(-3.0));
        Assert.That(r[2], Is.EqualTo(7.0));
        Assert.That(r[3], Is.EqualTo(1.5 * 1.5 + 1.5 + 4 - 2 + 9 + 3).Within(1e-5));
        Assert.That(r[4], Is.EqualTo(5.0));
        Assert.That(r[5], Is.EqualTo(32.0));
    }

    [Test]
    public void ModulePrintsLikeTorch7AndExposesFields()
    {
        using var host = new LuaHost();
        var r = host.Run(@"
            local net = nn.Sequential():add(nn.Linear(2, 8)):add(nn.ReLU()):add(nn.Linear(8, 1))
            local p, g = net:parameters()
            net.myTag = 'kept'
            return tostring(net), #p, net:get(1).weight:size(1), net:get(1).bias:size(1), net.myTag, nn.Softmax ~= nil, nn.CrossEntropyLoss ~= nil");
        Assert.That(r[0], Is.EqualTo("nn.Sequential {\n  [input -> (1) -> (2) -> (3) -> output]\n  (1): nn.Linear(2 -> 8)\n  (2): nn.ReLU\n  (3): nn.Linear(8 -> 1)\n}"));
        Assert.That(r[1], Is.EqualTo(4L));
        Assert.That(r[2], Is.EqualTo(8L));
        Assert.That(r[3], Is.EqualTo(8L));
        Assert.That(r[4], Is.EqualTo("kept"));
        Assert.That(r[5], Is.EqualTo(true));
        Assert.That(r[6], Is.EqualTo(true));
    }

    [Test]
    public void TensorsAndArraysGoInAndOut()
    {
        using var host = new LuaHost();
        host.SetGlobal("x", Tensor.FromRows(new float[] { 1, 2 }, new float[] { 3, 4 }));
        host.SetGlobal("arr", new float[] { 5, 6, 7 });
        host.Run("y = x * 2; n = #arr; s = arr[3]");
        Assert.That(host.GetTensor("y").ToArray(), Is.EqualTo(new float[] { 2, 4, 6, 8 }));
        Assert.That(host.GetGlobal("n"), Is.EqualTo(3L));
        Assert.That(host.GetGlobal("s"), Is.EqualTo(7.0));
        host.Run("function double(t) return t * 2, 'ok' end");
        var r = host.Call("double", Tensor.FromArray(new float[] { 1.5f }));
        Assert.That(((Tensor)r[0]!)[0], Is.EqualTo(3f));
        Assert.That(r[1], Is.EqualTo("ok"));
    }
}
