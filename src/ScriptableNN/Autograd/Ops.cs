using ScriptableNN.Tensors;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace ScriptableNN.Autograd;

/// <summary>
/// Differentiable tensor functions for custom losses: each computes its result and, while a
/// tape records and an input requires grad, appends one node holding its parents. The whole
/// backward rule of every function is in <see cref="Node.Backward"/>, one case each.
/// </summary>
public static class Ops
{
    private enum Kind { Add, Sub, Mul, Div, MatMul, Sum, Mean, Pow, Scale }

    private sealed class Node : INode
    {
        public Kind Kind;
        public Tensor A = null!;
        public Tensor? B;
        public float S;
        public Tensor Out = null!;
        public Tensor Output => Out;

        public void Backward()
        {
            var g = Out.Grad;
            if (g == null) return;
            switch (Kind)
            {
                case Kind.Add: Into(A, g, 1f); IntoB(g, 1f); break;
                case Kind.Sub: Into(A, g, 1f); IntoB(g, -1f); break;
                case Kind.Mul: Into(A, g * B!, 1f); IntoB(g * A, 1f); break;
                case Kind.Div: Into(A, g / B!, 1f); IntoB(g * A / (B! * B!), -1f); break;
                case Kind.MatMul:
                    if (A.RequiresGrad) Tensor.MatMul(g, B!, A.EnsureGrad(), transposeB: true, beta: 1f);
                    if (B!.RequiresGrad) Tensor.MatMul(A, g, B.EnsureGrad(), transposeA: true, beta: 1f);
                    break;
                case Kind.Sum: Into(A, Tensor.Full(g[0], A.Shape.ToArray()), 1f); break;
                case Kind.Mean: Into(A, Tensor.Full(g[0] / A.Length, A.Shape.ToArray()), 1f); break;
                case Kind.Pow: Into(A, g * A.Pow(S - 1f) * S, 1f); break;
                case Kind.Scale: Into(A, g, S); break;
            }
        }

        // B may be a single element broadcast over A: its gradient is then the sum.
        private void IntoB(Tensor contribution, float sign)
        {
            if (B == null || !B.RequiresGrad) return;
            if (B.Length == 1 && contribution.Length != 1) B.EnsureGrad()[0] += sign * contribution.Sum();
            else Into(B, contribution, sign);
        }

        private static void Into(Tensor x, Tensor contribution, float sign)
        {
            if (!x.RequiresGrad) return;
            var g = x.EnsureGrad();
            TP.MultiplyAdd(contribution.Span, sign, g.Span, g.Span);
        }
    }

    // An element-wise function: its derivative comes from the same struct as its forward.
    private sealed class PointwiseNode<TOp> : INode where TOp : IPointwise
    {
        public TOp F = default!;
        public Tensor A = null!;
        public Tensor Out = null!;
        public Tensor Output => Out;

        public void Backward()
        {
            var g = Out.Grad;
            if (g == null || !A.RequiresGrad) return;
            var dx = Tensor.Zeros(A.Shape.ToArray());
            F.Backward(A.Span, Out.Span, g.Span, dx.Span);
            var ga = A.EnsureGrad();
            TP.Add(ga.Span, dx.Span, ga.Span);
        }
    }

    /// <summary>g(a) element-wise for the function <paramref name="f"/>, recorded for autograd with f's own derivative.</summary>
    public static Tensor Apply<TOp>(Tensor a, TOp f) where TOp : IPointwise
    {
        var y = Tensor.Map(a, f);
        if (Tape.Current != null && a.RequiresGrad)
        {
            y.RequiresGrad = true;
            Tape.Record(new PointwiseNode<TOp> { F = f, A = a, Out = y });
        }
        return y;
    }

    private static Tensor Record(Kind kind, Tensor result, Tensor a, Tensor? b = null, float s = 0f)
    {
        if (Tape.Current != null && (a.RequiresGrad || (b?.RequiresGrad ?? false)))
        {
            result.RequiresGrad = true;
            Tape.Record(new Node { Kind = kind, A = a, B = b, S = s, Out = result });
        }
        return result;
    }

    private static void SameOrScalar(string op, Tensor a, Tensor b)
    {
        if (!a.SameShape(b) && b.Length != 1)
            throw new ArgumentException($"{op}: shapes {a.ShapeText} and {b.ShapeText} differ (autograd broadcasts only a single element).");
    }

    /// <summary>a + b (b may be a single element), recorded for autograd.</summary>
    public static Tensor Add(Tensor a, Tensor b) { SameOrScalar("add", a, b); return Record(Kind.Add, a + b, a, b); }
    /// <summary>a - b (b may be a single element), recorded for autograd.</summary>
    public static Tensor Sub(Tensor a, Tensor b) { SameOrScalar("sub", a, b); return Record(Kind.Sub, a - b, a, b); }
    /// <summary>Element-wise a * b (b may be a single element), recorded for autograd.</summary>
    public static Tensor Mul(Tensor a, Tensor b) { SameOrScalar("mul", a, b); return Record(Kind.Mul, a * b, a, b); }
    /// <summary>Element-wise a / b (b may be a single element), recorded for autograd.</summary>
    public static Tensor Div(Tensor a, Tensor b) { SameOrScalar("div", a, b); return Record(Kind.Div, a / b, a, b); }
    /// <summary>a * s for a constant s, recorded for autograd.</summary>
    public static Tensor Scale(Tensor a, float s) => Record(Kind.Scale, a * s, a, null, s);
    /// <summary>The matrix product a b, recorded for autograd.</summary>
    public static Tensor MatMul(Tensor a, Tensor b) => Record(Kind.MatMul, Tensor.MatMul(a, b), a, b);
    /// <summary>The sum of all elements as a [1] tensor, recorded for autograd.</summary>
    public static Tensor Sum(Tensor a) => Record(Kind.Sum, Tensor.Full(a.Sum(), 1), a);
    /// <summary>The mean of all elements as a [1] tensor, recorded for autograd.</summary>
    public static Tensor Mean(Tensor a) => Record(Kind.Mean, Tensor.Full(a.Mean(), 1), a);
    /// <summary>e^a element-wise, recorded for autograd.</summary>
    public static Tensor Exp(Tensor a) => Apply(a, new ExpOp());
    /// <summary>ln a element-wise, recorded for autograd.</summary>
    public static Tensor Log(Tensor a) => Apply(a, new LogOp());
    /// <summary>a^p element-wise, recorded for autograd.</summary>
    public static Tensor Pow(Tensor a, float p) => Record(Kind.Pow, a.Pow(p), a, null, p);
    /// <summary>|a| element-wise, recorded for autograd.</summary>
    public static Tensor Abs(Tensor a) => Apply(a, new AbsOp());
    /// <summary>-a, recorded for autograd.</summary>
    public static Tensor Neg(Tensor a) => Apply(a, new NegOp());
    /// <summary>tanh(a) element-wise, recorded for autograd.</summary>
    public static Tensor Tanh(Tensor a) => Apply(a, new TanhOp());
    /// <summary>The logistic sigmoid element-wise, recorded for autograd.</summary>
    public static Tensor Sigmoid(Tensor a) => Apply(a, new SigmoidOp());
    /// <summary>max(0, a) element-wise, recorded for autograd.</summary>
    public static Tensor Relu(Tensor a) => Apply(a, new ReluOp(0f));
}
