using ILGPU;
using ILGPU.Algorithms;

namespace Cac.Gpu.Kernels;

// Elementwise kernels: unary functions and their derivatives, broadcasting binary ops, affine, axpy,
// permute. Grid-stride loops over n elements; `op` is the UnaryOp / BinaryOp value (uniform branch).
// The formulas match Cac.Core/Cpu/Kernels/ElementwiseFunctions.cs.
// CPU twin: Cac.Core/Cpu/Kernels/ElementwiseKernels.cs (the permute: Cac.Core/Cpu/Kernels/CopyKernels.cs).
internal static class ElementwiseKernels
{
    public static float Forward(int op, float x) => (UnaryOp)op switch
    {
        UnaryOp.Neg => -x,
        UnaryOp.Relu => x < 0f ? 0f : x, // NaN stays NaN, as on the CPU
        UnaryOp.Sigmoid => x >= 0f ? 1f / (1f + XMath.Exp(-x)) : XMath.Exp(x) / (1f + XMath.Exp(x)),
        UnaryOp.Tanh => XMath.Tanh(x),
        UnaryOp.Exp => XMath.Exp(x),
        UnaryOp.Log => XMath.Log(x),
        UnaryOp.Sqrt => XMath.Sqrt(x),
        UnaryOp.Abs => XMath.Abs(x),
        _ => x > 0f ? 1f : x < 0f ? -1f : x, // Sign: 0 and NaN stay as they are
    };

    // dy/dx at x, where y = f(x) was saved by the forward pass.
    public static float Derivative(int op, float x, float y) => (UnaryOp)op switch
    {
        UnaryOp.Neg => -1f,
        UnaryOp.Relu => x > 0f ? 1f : 0f,
        UnaryOp.Sigmoid => y * (1f - y),
        UnaryOp.Tanh => 1f - y * y,
        UnaryOp.Exp => y,
        UnaryOp.Log => 1f / x,
        UnaryOp.Sqrt => 1f / (y + y),
        UnaryOp.Abs => x > 0f ? 1f : x < 0f ? -1f : 0f,
        _ => 0f, // Sign
    };

    // y = f(x).
    public static void Unary(Index1D index, ArrayView<float> x, ArrayView<float> y, int op, int n, int stride)
    {
        for (int i = index; i < n; i += stride) y[i] = Forward(op, x[i]);
    }

    // gx = gy * f'(x).
    public static void UnaryBackward(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<float> gy, ArrayView<float> gx, int op, int n, int stride)
    {
        for (int i = index; i < n; i += stride) gx[i] = gy[i] * Derivative(op, x[i], y[i]);
    }

    public static float Apply(int op, float a, float b) => (BinaryOp)op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        BinaryOp.Maximum => a > b ? a : b,
        _ => a < b ? a : b, // Minimum
    };

    // y[i] = a[i] (op) b[i]: same shapes, no broadcasting.
    public static void BinarySame(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int op, int n, int stride)
    {
        for (int i = index; i < n; i += stride) y[i] = Apply(op, a[i], b[i]);
    }

    // y = relu(a + b) over buffers of one length.
    public static void AddRelu(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int n, int stride)
    {
        for (int i = index; i < n; i += stride) y[i] = Forward((int)UnaryOp.Relu, a[i] + b[i]);
    }

    // y[i] = a[i . aStrides] (op) b[i . bStrides] with i decomposed over the (padded) shape of y.
    public static void Binary(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y,
        Dims6 shape, Dims6 aStrides, Dims6 bStrides, int op, int n, int stride)
    {
        for (int i = index; i < n; i += stride)
            y[i] = Apply(op, a[Dims6.Offset(i, shape, aStrides)], b[Dims6.Offset(i, shape, bStrides)]);
    }

    // y = scale * x + shift.
    public static void Affine(Index1D index, ArrayView<float> x, ArrayView<float> y, float scale, float shift, int n, int stride)
    {
        for (int i = index; i < n; i += stride) y[i] = x[i] * scale + shift;
    }

    // y = scale[0] * x + shift[0] (+ 0 when hasShift is 0), the arithmetic of Affine with the scalars read on the device.
    public static void ScaleShift(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<float> scale, ArrayView<float> shift, int hasShift, int n, int stride)
    {
        float a = scale[0], b = hasShift != 0 ? shift[0] : 0f;
        for (int i = index; i < n; i += stride) y[i] = x[i] * a + b;
    }

    // y += alpha * x.
    public static void Axpy(Index1D index, float alpha, ArrayView<float> x, ArrayView<float> y, int n, int stride)
    {
        for (int i = index; i < n; i += stride) y[i] += alpha * x[i];
    }

    // y[i] = x[i . srcStrides] with i decomposed over y's (padded) shape.
    public static void Permute<T>(Index1D index, ArrayView<T> x, ArrayView<T> y, Dims6 yShape, Dims6 srcStrides, int n, int stride) where T : unmanaged
    {
        for (int i = index; i < n; i += stride) y[i] = x[Dims6.Offset(i, yShape, srcStrides)];
    }
}
