namespace Cac;

public static partial class Ops
{
    /// <summary>a + b with broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b) => Broadcasting(BinaryOp.Add, a, b, "add",
        (grad, _, _) => (grad, grad));

    /// <summary>
    /// max(0, a + b): the end of a residual block as one op. Tensors of one shape take one fused pass each way (the
    /// gradient, masked where the output is not positive, goes to both); others broadcast through Add and Relu.
    /// </summary>
    public static Tensor AddRelu(Tensor a, Tensor b)
    {
        if (!Shape.SameAs(a.Dims, b.Dims) || a.DType != b.DType || !a.DType.IsFloatingPoint()) return Relu(Add(a, b));
        RequireCompatible("add_relu", a, b);
        var y = Empty(a, a.Shape);
        a.Backend.AddRelu(a.Storage, b.Storage, y.Storage);
        return Autograd.Record("add_relu", y, [a, b], grad =>
        {
            var masked = Empty(a, a.Shape);
            a.Backend.UnaryBackward(UnaryOp.Relu, y.Storage, y.Storage, grad.Storage, masked.Storage);
            return [masked, masked];
        });
    }

    /// <summary>a - b with broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b) => Broadcasting(BinaryOp.Sub, a, b, "sub",
        (grad, _, _) => (grad, Neg(grad)));

    /// <summary>a * b (elementwise) with broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b) => Broadcasting(BinaryOp.Mul, a, b, "mul",
        (grad, x, y) => (Mul(grad, y), Mul(grad, x)));

    /// <summary>a / b (elementwise) with broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b) => Broadcasting(BinaryOp.Div, a, b, "div",
        (grad, x, y) => (Div(grad, y), Neg(Div(Mul(grad, x), Mul(y, y)))));

    /// <summary>
    /// max(a, b) elementwise with broadcasting. The gradient goes to the larger operand, split in half on ties (as
    /// torch.maximum): grad * (1 + sign(a - b)) / 2 to a, the rest to b.
    /// </summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Broadcasting(BinaryOp.Maximum, a, b, "maximum",
        (grad, x, y) => TieSplit(grad, x, y, toLarger: true));

    /// <summary>min(a, b) elementwise with broadcasting. The gradient goes to the smaller operand, split in half on ties.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Broadcasting(BinaryOp.Minimum, a, b, "minimum",
        (grad, x, y) => TieSplit(grad, x, y, toLarger: false));

    /// <summary>x clamped to [<paramref name="min"/>, <paramref name="max"/>] elementwise: min(max(x, min), max).</summary>
    public static Tensor Clamp(Tensor x, double min, double max)
    {
        if (!(min <= max)) throw new ArgumentException($"clamp: min {min} must not exceed max {max}");
        return Minimum(Maximum(x, Tensor.Scalar(min, x.DType, x.Device)), Tensor.Scalar(max, x.DType, x.Device));
    }

    // The gradients of max / min: the selected operand's share is (1 +- sign(a - b)) / 2 (1, 1/2 on ties, 0).
    private static (Tensor Ga, Tensor Gb) TieSplit(Tensor grad, Tensor a, Tensor b, bool toLarger)
    {
        var sign = Sign(Sub(a, b));
        double s = toLarger ? 0.5 : -0.5;
        return (Mul(grad, Affine(sign, s, 0.5)), Mul(grad, Affine(sign, -s, 0.5)));
    }

    // a, b: any broadcast-compatible shapes; y: their broadcast shape.
    private static Tensor Broadcasting(BinaryOp op, Tensor a, Tensor b, string name,
        Func<Tensor, Tensor, Tensor, (Tensor Ga, Tensor Gb)> backward)
    {
        RequireCompatible(name, a, b);
        RequireFloat(a, name);
        var shape = Shape.Broadcast(a.Dims, b.Dims);
        var y = Empty(a, shape);
        a.Backend.Binary(op, a.Storage, Shape.BroadcastStrides(a.Dims, shape), b.Storage, Shape.BroadcastStrides(b.Dims, shape), y.Storage, shape);
        var aShape = a.Shape;
        var bShape = b.Shape;
        return Autograd.Record(name, y, [a, b], grad =>
        {
            var (ga, gb) = backward(grad, a, b);
            return [a.RequiresGrad ? SumTo(ga, aShape) : null, b.RequiresGrad ? SumTo(gb, bShape) : null];
        });
    }

    /// <summary>scale * x + shift, elementwise (a scalar affine map).</summary>
    public static Tensor Affine(Tensor x, double scale, double shift)
    {
        RequireFloat(x, "affine");
        var y = Empty(x, x.Shape);
        x.Backend.Affine(x.Storage, y.Storage, scale, shift);
        return Autograd.Record("affine", y, [x], grad => [Affine(grad, scale, 0)]);
    }

    /// <summary>-x.</summary>
    public static Tensor Neg(Tensor x) => Unary(UnaryOp.Neg, x);

    /// <summary>max(x, 0).</summary>
    public static Tensor Relu(Tensor x) => Unary(UnaryOp.Relu, x);

    /// <summary>1 / (1 + exp(-x)).</summary>
    public static Tensor Sigmoid(Tensor x) => Unary(UnaryOp.Sigmoid, x);

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x) => Unary(UnaryOp.Tanh, x);

    /// <summary>e^x.</summary>
    public static Tensor Exp(Tensor x) => Unary(UnaryOp.Exp, x);

    /// <summary>Natural logarithm.</summary>
    public static Tensor Log(Tensor x) => Unary(UnaryOp.Log, x);

    /// <summary>Square root.</summary>
    public static Tensor Sqrt(Tensor x) => Unary(UnaryOp.Sqrt, x);

    /// <summary>|x| (gradient sign(x), 0 at 0).</summary>
    public static Tensor Abs(Tensor x) => Unary(UnaryOp.Abs, x);

    /// <summary>sign(x): 1, -1, or 0 at 0 (NaN stays NaN). A step function, so its gradient is 0 (as torch.sign).</summary>
    public static Tensor Sign(Tensor x) => Unary(UnaryOp.Sign, x);

    // x, y: same shape. The backend's UnaryBackward knows each derivative (from x or from y).
    private static Tensor Unary(UnaryOp op, Tensor x)
    {
        string name = op.ToString().ToLowerInvariant();
        RequireFloat(x, name);
        var y = Empty(x, x.Shape);
        x.Backend.Unary(op, x.Storage, y.Storage);
        return Autograd.Record(name, y, [x], grad =>
        {
            var gx = Empty(x, x.Shape);
            x.Backend.UnaryBackward(op, x.Storage, y.Storage, grad.Storage, gx.Storage);
            return [gx];
        });
    }

    /// <summary>Converts to another floating-point dtype; the gradient converts back.</summary>
    public static Tensor Cast(Tensor x, DType dtype)
    {
        if (x.DType == dtype) return x;
        if (!x.DType.IsFloatingPoint() || !dtype.IsFloatingPoint())
            throw new ArgumentException($"cast supports float32 <-> float64 only, not {x.DType.Name()} -> {dtype.Name()}");
        var y = Tensor.Zeros(x.Shape, dtype, x.Device);
        x.Backend.Cast(x.Storage, y.Storage);
        var from = x.DType;
        return Autograd.Record("cast", y, [x], grad => [Cast(grad, from)]);
    }
}
