using System.Numerics;

namespace Cac.Cpu.Kernels;

// The scalar functions of the elementwise kernels (ElementwiseKernels.cs): the binary ops a (op) b as structs with a
// scalar and a Vector<T> form, and the unary functions f(x) with their derivatives f'(x, y), y = f(x).
// GPU twin: Cac.Gpu/Kernels/ElementwiseKernels.cs (Forward, Derivative, Apply).
// Checked against: Cac.Tests/Core/ElementwiseGradTests.cs.

/// <summary>A binary function with a scalar and a SIMD form; structs so the JIT inlines them into the loops.</summary>
internal interface IBinaryFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract T Apply(T a, T b);
    static abstract Vector<T> Apply(Vector<T> a, Vector<T> b);
}

internal readonly struct AddFunction<T> : IBinaryFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T a, T b) => a + b;
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => a + b;
}

internal readonly struct SubFunction<T> : IBinaryFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T a, T b) => a - b;
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => a - b;
}

internal readonly struct MulFunction<T> : IBinaryFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T a, T b) => a * b;
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => a * b;
}

internal readonly struct DivFunction<T> : IBinaryFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T a, T b) => a / b;
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => a / b;
}

internal readonly struct MaximumFunction<T> : IBinaryFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T a, T b) => a > b ? a : b;
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => Vector.Max(a, b);
}

internal readonly struct MinimumFunction<T> : IBinaryFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T a, T b) => a < b ? a : b;
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => Vector.Min(a, b);
}

/// <summary>The scalar forms of the unary functions and their derivatives.</summary>
internal static class UnaryFunctions<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Forward(UnaryOp op, T x) => op switch
    {
        UnaryOp.Neg => -x,
        UnaryOp.Relu => x < T.Zero ? T.Zero : x, // NaN stays NaN (as Vector.Max and PyTorch)
        UnaryOp.Sigmoid => x >= T.Zero ? T.One / (T.One + T.Exp(-x)) : T.Exp(x) / (T.One + T.Exp(x)),
        UnaryOp.Tanh => T.Tanh(x),
        UnaryOp.Exp => T.Exp(x),
        UnaryOp.Log => T.Log(x),
        UnaryOp.Sqrt => T.Sqrt(x),
        UnaryOp.Abs => T.Abs(x),
        UnaryOp.Sign => x > T.Zero ? T.One : x < T.Zero ? -T.One : x, // 0 and NaN stay as they are
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>dy/dx at x, where y = f(x) was saved by the forward pass.</summary>
    public static T Derivative(UnaryOp op, T x, T y) => op switch
    {
        UnaryOp.Neg => -T.One,
        UnaryOp.Relu => x > T.Zero ? T.One : T.Zero,
        UnaryOp.Sigmoid => y * (T.One - y),
        UnaryOp.Tanh => T.One - y * y,
        UnaryOp.Exp => y,
        UnaryOp.Log => T.One / x,
        UnaryOp.Sqrt => T.One / (y + y),
        UnaryOp.Abs => x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero,
        UnaryOp.Sign => T.Zero, // a step function: zero almost everywhere (PyTorch's choice)
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
