using System.Numerics;

namespace Cac.Cpu.Kernels;

// Elementwise kernels over flat buffers of one length n: unary functions y = f(x) and their backward
// gx = gy * f'(x, y) (x, y, gy, gx: (n)); binary ops y = a (op) b (op: + - * / max min) with broadcasting (a and b read through strides over
// yShape, y: yShape contiguous); affine y = scale * x + shift; axpy y += alpha * x; add-ReLU y = max(0, a + b).
// SIMD over Vector<T> where the operands are contiguous, split over cores in chunks of CpuParallel.ElementwiseGrain.
// GPU twin: Cac.Gpu/Kernels/ElementwiseKernels.cs.
// Checked against: Cac.Tests/Core/ElementwiseGradTests.cs, Cac.Tests/Core/ScaleShiftTests.cs.
internal static class ElementwiseKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Unary(UnaryOp op, T[] x, T[] y)
    {
        if (op == UnaryOp.Relu)
        {
            // The hot one in every CNN: SIMD.
            CpuParallel.For(x.LongLength, CpuParallel.ElementwiseGrain, (start, end) =>
            {
                long i = start;
                for (; i + Vector<T>.Count <= end; i += Vector<T>.Count)
                    Vector.Max(new Vector<T>(x.AsSpan((int)i)), Vector<T>.Zero).CopyTo(y.AsSpan((int)i));
                for (; i < end; i++) y[i] = x[i] < T.Zero ? T.Zero : x[i]; // NaN stays NaN, as in Vector.Max
            });
            return;
        }
        CpuParallel.For(x.LongLength, CpuParallel.ElementwiseGrain, (start, end) =>
        {
            for (long i = start; i < end; i++) y[i] = UnaryFunctions<T>.Forward(op, x[i]);
        });
    }

    public static void UnaryBackward(UnaryOp op, T[] x, T[] y, T[] gy, T[] gx)
    {
        if (op == UnaryOp.Relu)
        {
            // gx = x > 0 ? gy : 0, SIMD (the backward of every CNN activation).
            CpuParallel.For(x.LongLength, CpuParallel.ElementwiseGrain, (start, end) =>
            {
                long i = start;
                for (; i + Vector<T>.Count <= end; i += Vector<T>.Count)
                {
                    var positive = Vector.GreaterThan(new Vector<T>(x.AsSpan((int)i)), Vector<T>.Zero);
                    Vector.ConditionalSelect(positive, new Vector<T>(gy.AsSpan((int)i)), Vector<T>.Zero).CopyTo(gx.AsSpan((int)i));
                }
                for (; i < end; i++) gx[i] = x[i] > T.Zero ? gy[i] : T.Zero;
            });
            return;
        }
        CpuParallel.For(x.LongLength, CpuParallel.ElementwiseGrain, (start, end) =>
        {
            for (long i = start; i < end; i++) gx[i] = gy[i] * UnaryFunctions<T>.Derivative(op, x[i], y[i]);
        });
    }

    public static void Binary(BinaryOp op, T[] a, long[] aStrides, T[] b, long[] bStrides, T[] y, int[] yShape)
    {
        switch (op)
        {
            case BinaryOp.Add: Broadcast<AddFunction<T>>(a, aStrides, b, bStrides, y, yShape); break;
            case BinaryOp.Sub: Broadcast<SubFunction<T>>(a, aStrides, b, bStrides, y, yShape); break;
            case BinaryOp.Mul: Broadcast<MulFunction<T>>(a, aStrides, b, bStrides, y, yShape); break;
            case BinaryOp.Div: Broadcast<DivFunction<T>>(a, aStrides, b, bStrides, y, yShape); break;
            case BinaryOp.Maximum: Broadcast<MaximumFunction<T>>(a, aStrides, b, bStrides, y, yShape); break;
            case BinaryOp.Minimum: Broadcast<MinimumFunction<T>>(a, aStrides, b, bStrides, y, yShape); break;
            default: throw new ArgumentOutOfRangeException(nameof(op));
        }
    }

    // y[idx] = F(a[idx . aStrides], b[idx . bStrides]) over every index of yShape. The innermost axis is a
    // SIMD loop when both operands are contiguous along it or one is constant along it.
    private static void Broadcast<F>(T[] a, long[] aStrides, T[] b, long[] bStrides, T[] y, int[] yShape)
        where F : IBinaryFunction<T>
    {
        int rank = yShape.Length;
        if (rank > 1 && IsContiguous(aStrides, yShape) && IsContiguous(bStrides, yShape))
        {
            // Same-shape contiguous operands (residual adds): one flat SIMD loop.
            CpuParallel.For(y.LongLength, CpuParallel.ElementwiseGrain, (start, end) =>
                Row<F>(a, start, 1, b, start, 1, y.AsSpan((int)start, (int)(end - start))));
            return;
        }
        int inner = rank == 0 ? 1 : yShape[^1];
        long sa = rank == 0 ? 0 : aStrides[^1], sb = rank == 0 ? 0 : bStrides[^1];
        long rows = inner == 0 ? 0 : y.LongLength / inner;
        CpuParallel.For(rows, Math.Max(1, CpuParallel.ElementwiseGrain / Math.Max(inner, 1)), (rowStart, rowEnd) =>
        {
            for (long row = rowStart; row < rowEnd; row++)
            {
                long ao = 0, bo = 0, rest = row;
                for (int d = rank - 2; d >= 0; d--)
                {
                    long idx = rest % yShape[d];
                    rest /= yShape[d];
                    ao += idx * aStrides[d];
                    bo += idx * bStrides[d];
                }
                Row<F>(a, ao, sa, b, bo, sb, y.AsSpan((int)(row * inner), inner));
            }
        });
    }

    // Whether strides are the row-major contiguous strides of shape (size-1 axes may have any stride).
    private static bool IsContiguous(long[] strides, int[] shape)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    private static void Row<F>(T[] a, long ao, long sa, T[] b, long bo, long sb, Span<T> y)
        where F : IBinaryFunction<T>
    {
        int n = y.Length, i = 0, w = Vector<T>.Count;
        if ((sa == 1 || sa == 0) && (sb == 1 || sb == 0))
        {
            var va = sa == 0 ? new Vector<T>(a[ao]) : default;
            var vb = sb == 0 ? new Vector<T>(b[bo]) : default;
            for (; i + w <= n; i += w)
            {
                var xa = sa == 0 ? va : new Vector<T>(a.AsSpan((int)(ao + i)));
                var xb = sb == 0 ? vb : new Vector<T>(b.AsSpan((int)(bo + i)));
                F.Apply(xa, xb).CopyTo(y[i..]);
            }
        }
        for (; i < n; i++) y[i] = F.Apply(a[ao + i * sa], b[bo + i * sb]);
    }

    public static void Affine(T[] x, T[] y, T scale, T shift) =>
        CpuParallel.For(x.LongLength, CpuParallel.ElementwiseGrain, (start, end) =>
        {
            long i = start;
            var vs = new Vector<T>(scale);
            var vt = new Vector<T>(shift);
            for (; i + Vector<T>.Count <= end; i += Vector<T>.Count)
                (new Vector<T>(x.AsSpan((int)i)) * vs + vt).CopyTo(y.AsSpan((int)i));
            for (; i < end; i++) y[i] = x[i] * scale + shift;
        });

    public static void Axpy(T alpha, T[] x, T[] y) =>
        CpuParallel.For(x.LongLength, CpuParallel.ElementwiseGrain, (start, end) =>
        {
            long i = start;
            var va = new Vector<T>(alpha);
            for (; i + Vector<T>.Count <= end; i += Vector<T>.Count)
                (new Vector<T>(y.AsSpan((int)i)) + va * new Vector<T>(x.AsSpan((int)i))).CopyTo(y.AsSpan((int)i));
            for (; i < end; i++) y[i] += alpha * x[i];
        });

    public static void AddRelu(T[] a, T[] b, T[] y) =>
        CpuParallel.For(y.LongLength, CpuParallel.ElementwiseGrain, (start, end) =>
        {
            long i = start;
            for (; i + Vector<T>.Count <= end; i += Vector<T>.Count)
                Vector.Max(new Vector<T>(a.AsSpan((int)i)) + new Vector<T>(b.AsSpan((int)i)), Vector<T>.Zero).CopyTo(y.AsSpan((int)i));
            for (; i < end; i++) y[i] = UnaryFunctions<T>.Forward(UnaryOp.Relu, a[i] + b[i]);
        });
}
