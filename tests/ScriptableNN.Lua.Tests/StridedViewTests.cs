using NUnit.Framework;
using ScriptableNN.Tensors;

namespace ScriptableNN.Lua.Tests;

[TestFixture]
public class StridedViewTests
{
    // The element of base a view reaches at a row-major position, by the definition of strides.
    private static int Address(int offset, int[] sizes, int[] strides, int position)
    {
        int address = offset;
        for (int d = sizes.Length - 1; d >= 0; d--)
        {
            address += position % sizes[d] * strides[d];
            position /= sizes[d];
        }
        return address;
    }

    [Test]
    public void GatherAndScatterFollowTheStridesOnRandomGeometry()
    {
        var rng = new Random(7);
        int views = 0;
        for (int trial = 0; trial < 500; trial++)
        {
            int rank = rng.Next(1, 5);
            var sizes = new int[rank];
            var strides = new int[rank];
            long reach = 0;
            for (int d = 0; d < rank; d++)
            {
                sizes[d] = rng.Next(1, 5);
                strides[d] = rng.Next(0, 7);
                reach += (long)(sizes[d] - 1) * strides[d];
            }
            int offset = rng.Next(0, 5);
            var b = Tensor.Zeros((int)(offset + reach + 1 + rng.Next(0, 3)));
            var bs = b.Span;
            for (int i = 0; i < bs.Length; i++) bs[i] = i;
            object made = StridedView.Make(b, offset, sizes, strides);
            int length = 1;
            foreach (int n in sizes) length *= n;
            if (made is Tensor contiguous)
            {
                // only row-major geometry comes back as a plain tensor: check it reads the same elements
                for (int p = 0; p < length; p++) Assert.That(contiguous.Span[p], Is.EqualTo((float)Address(offset, sizes, strides, p)));
                continue;
            }
            views++;
            var v = (StridedView)made;
            var g = v.Gather();
            Assert.That(g.Shape.ToArray(), Is.EqualTo(sizes));
            for (int p = 0; p < length; p++) Assert.That(g.Span[p], Is.EqualTo((float)Address(offset, sizes, strides, p)), $"trial {trial}, position {p}");
            // scatter -1 - p; where strides alias elements (stride 0), the last position writes
            var src = Tensor.Zeros(length);
            for (int p = 0; p < length; p++) src.Span[p] = -1 - p;
            v.Scatter(src);
            var expected = new float[bs.Length];
            for (int i = 0; i < expected.Length; i++) expected[i] = i;
            for (int p = 0; p < length; p++) expected[Address(offset, sizes, strides, p)] = -1 - p;
            Assert.That(b.ToArray(), Is.EqualTo(expected), $"trial {trial}");
        }
        Assert.That(views, Is.GreaterThan(300), "most random geometries are not row-major");
    }

    [Test]
    public void GeometryOutsideTheTensorIsRefused()
    {
        var b = Tensor.Zeros(6);
        Assert.Throws<ScriptError>(() => StridedView.Make(b, 0, new[] { 2, 3 }, new[] { 3, 2 }));   // reaches element 8 of 6
        Assert.Throws<ScriptError>(() => StridedView.Make(b, -1, new[] { 2 }, new[] { 1 }));
        Assert.Throws<ScriptError>(() => StridedView.Make(b, 0, new[] { 2 }, new[] { -1 }));
        Assert.Throws<ScriptError>(() => StridedView.Make(b, 0, new[] { 0 }, new[] { 1 }));
        Assert.That(StridedView.Make(b, 0, new[] { 3, 2 }, new[] { 1, 3 }), Is.InstanceOf<StridedView>());   // the transpose of 2x3
    }

    [Test]
    public void ScriptsGetViewsAsCopiesAndCannotCrashTheHostWithThem()
    {
        using var host = new LuaHost();
        var r = host.Run("local x = torch.Tensor{{1, 2}, {3, 4}}; return x:t()");
        Assert.That(r[0], Is.InstanceOf<Tensor>());
        Assert.That(((Tensor)r[0]!).ToArray(), Is.EqualTo(new float[] { 1, 3, 2, 4 }));
        // a write through a view reaches the tensor; a bad index is a script error and the host goes on
        Assert.That(host.Run("local x = torch.ones(2, 3); x:t():select(1, 2):fill(0); return x:sum()")[0], Is.EqualTo(4.0));
        var ex = Assert.Throws<LuaScriptException>(() => host.Run("local x = torch.ones(2, 3); return x:t()[{4, 1}]", "bad.lua"));
        Assert.That(ex!.Message, Does.Contain("bad.lua:1:").And.Contain("tensor index 4 outside 1..3"));
        Assert.That(host.Run("return 1 + 1")[0], Is.EqualTo(2L));
    }

    [Test]
    public void AViewCopyCountsAgainstTheMemoryCap()
    {
        using var host = new LuaHost(new LuaHostOptions { MemoryLimit = 48L << 20 });
        host.Run("x = torch.zeros(2000, 2000)");        // 16 MB
        var ex = Assert.Throws<LuaScriptException>(() => host.Run("local a = x:t():contiguous(); local b = x:t():contiguous(); local c = x:t() + x:t()"));
        Assert.That(ex!.Message, Does.Contain("not enough memory"));
        Assert.That(host.Run("return x:t():narrow(1, 1, 2):sum()")[0], Is.EqualTo(0.0));
    }
}
