using System.Numerics;

namespace Cac;

public sealed partial class CpuBackend
{
    private const long ElementwiseGrain = 1 << 15;

    /// <inheritdoc />
    public void Unary(UnaryOp op, Storage x, Storage y)
    {
        if (IsDouble(x)) Unary(op, Data<double>(x), Data<double>(y));
        else Unary(op, Data<float>(x), Data<float>(y));
    }

    private static void Unary<T>(UnaryOp op, T[] x, T[] y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (op == UnaryOp.Relu)
        {
            // The hot one in every CNN: SIMD.
            CpuParallel.For(x.LongLength, ElementwiseGrain, (start, end) =>
            {
                long i = start;
                for (; i + Vector<T>.Count <= end; i += Vector<T>.Count)
                    Vector.Max(new Vector<T>(x.AsSpan((int)i)), Vector<T>.Zero).CopyTo(y.AsSpan((int)i));
                for (; i < end; i++) y[i] = x[i] < T.Zero ? T.Zero : x[i]; // NaN stays NaN, as in Vector.Max
            });
            return;
        }
        CpuParallel.For(x.LongLength, ElementwiseGrain, (start, end) =>
        {
            for (long i = start; i < end; i++) y[i] = UnaryFunctions<T>.Forward(op, x[i]);
        });
    }

    /// <inheritdoc />
    public void UnaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx)
    {
        if (IsDouble(x)) UnaryBackward(op, Data<double>(x), Data<double>(y), Data<double>(gy), Data<double>(gx));
        else UnaryBackward(op, Data<float>(x), Data<float>(y), Data<float>(gy), Data<float>(gx));
    }

    private static void UnaryBackward<T>(UnaryOp op, T[] x, T[] y, T[] gy, T[] gx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (op == UnaryOp.Relu)
        {
            // gx = x > 0 ? gy : 0, SIMD (the backward of every CNN activation).
            CpuParallel.For(x.LongLength, ElementwiseGrain, (start, end) =>
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
        CpuParallel.For(x.LongLength, ElementwiseGrain, (start, end) =>
        {
            for (long i = start; i < end; i++) gx[i] = gy[i] * UnaryFunctions<T>.Derivative(op, x[i], y[i]);
        });
    }

    /// <inheritdoc />
    public void Binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides, Storage y, int[] yShape)
    {
        if (IsDouble(a)) Binary<double>(op, Data<double>(a), aStrides, Data<double>(b), bStrides, Data<double>(y), yShape);
        else Binary<float>(op, Data<float>(a), aStrides, Data<float>(b), bStrides, Data<float>(y), yShape);
    }

    private static void Binary<T>(BinaryOp op, T[] a, long[] aStrides, T[] b, long[] bStrides, T[] y, int[] yShape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: Broadcast<T, AddFunction<T>>(a, aStrides, b, bStrides, y, yShape); break;
            case BinaryOp.Sub: Broadcast<T, SubFunction<T>>(a, aStrides, b, bStrides, y, yShape); break;
            case BinaryOp.Mul: Broadcast<T, MulFunction<T>>(a, aStrides, b, bStrides, y, yShape); break;
            default: Broadcast<T, DivFunction<T>>(a, aStrides, b, bStrides, y, yShape); break;
        }
    }

    // y[idx] = F(a[idx . aStrides], b[idx . bStrides]) over every index of yShape. The innermost axis is a
    // SIMD loop when both operands are contiguous along it or one is constant along it.
    private static void Broadcast<T, F>(T[] a, long[] aStrides, T[] b, long[] bStrides, T[] y, int[] yShape)
        where T : unmanaged, IFloatingPointIeee754<T> where F : IBinaryFunction<T>
    {
        int rank = yShape.Length;
        if (rank > 1 && IsContiguous(aStrides, yShape) && IsContiguous(bStrides, yShape))
        {
            // Same-shape contiguous operands (residual adds): one flat SIMD loop.
            CpuParallel.For(y.LongLength, ElementwiseGrain, (start, end) =>
                Row<T, F>(a, start, 1, b, start, 1, y.AsSpan((int)start, (int)(end - start))));
            return;
        }
        int inner = rank == 0 ? 1 : yShape[^1];
        long sa = rank == 0 ? 0 : aStrides[^1], sb = rank == 0 ? 0 : bStrides[^1];
        long rows = inner == 0 ? 0 : y.LongLength / inner;
        CpuParallel.For(rows, Math.Max(1, ElementwiseGrain / Math.Max(inner, 1)), (rowStart, rowEnd) =>
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
                Row<T, F>(a, ao, sa, b, bo, sb, y.AsSpan((int)(row * inner), inner));
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

    private static void Row<T, F>(T[] a, long ao, long sa, T[] b, long bo, long sb, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where F : IBinaryFunction<T>
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

    /// <inheritdoc />
    public void Affine(Storage x, Storage y, double scale, double shift)
    {
        if (IsDouble(x)) Affine(Data<double>(x), Data<double>(y), scale, shift);
        else Affine(Data<float>(x), Data<float>(y), (float)scale, (float)shift);
    }

    /// <inheritdoc />
    public void ScaleShift(Storage x, Storage y, Storage scale, Storage? shift) =>
        Affine(x, y, ScalarOf(scale), shift is null ? 0.0 : ScalarOf(shift));

    // The element of a one-element floating-point storage, as Tensor.Item() reads it.
    internal static double ScalarOf(Storage s) => IsDouble(s) ? Data<double>(s)[0] : Data<float>(s)[0];

    private static void Affine<T>(T[] x, T[] y, T scale, T shift) where T : unmanaged, IFloatingPointIeee754<T> =>
        CpuParallel.For(x.LongLength, ElementwiseGrain, (start, end) =>
        {
            long i = start;
            var vs = new Vector<T>(scale);
            var vt = new Vector<T>(shift);
            for (; i + Vector<T>.Count <= end; i += Vector<T>.Count)
                (new Vector<T>(x.AsSpan((int)i)) * vs + vt).CopyTo(y.AsSpan((int)i));
            for (; i < end; i++) y[i] = x[i] * scale + shift;
        });

    /// <inheritdoc />
    public void Axpy(double alpha, Storage x, Storage y)
    {
        if (IsDouble(x)) Axpy(alpha, Data<double>(x), Data<double>(y));
        else Axpy((float)alpha, Data<float>(x), Data<float>(y));
    }

    private static void Axpy<T>(T alpha, T[] x, T[] y) where T : unmanaged, IFloatingPointIeee754<T> =>
        CpuParallel.For(x.LongLength, ElementwiseGrain, (start, end) =>
        {
            long i = start;
            var va = new Vector<T>(alpha);
            for (; i + Vector<T>.Count <= end; i += Vector<T>.Count)
                (new Vector<T>(y.AsSpan((int)i)) + va * new Vector<T>(x.AsSpan((int)i))).CopyTo(y.AsSpan((int)i));
            for (; i < end; i++) y[i] += alpha * x[i];
        });

    /// <inheritdoc />
    public void AddRelu(Storage a, Storage b, Storage y)
    {
        if (IsDouble(a)) AddRelu(Data<double>(a), Data<double>(b), Data<double>(y));
        else AddRelu(Data<float>(a), Data<float>(b), Data<float>(y));
    }

    private static void AddRelu<T>(T[] a, T[] b, T[] y) where T : unmanaged, IFloatingPointIeee754<T> =>
        CpuParallel.For(y.LongLength, ElementwiseGrain, (start, end) =>
        {
            long i = start;
            for (; i + Vector<T>.Count <= end; i += Vector<T>.Count)
                Vector.Max(new Vector<T>(a.AsSpan((int)i)) + new Vector<T>(b.AsSpan((int)i)), Vector<T>.Zero).CopyTo(y.AsSpan((int)i));
            for (; i < end; i++) y[i] = UnaryFunctions<T>.Forward(UnaryOp.Relu, a[i] + b[i]);
        });

    /// <inheritdoc />
    public void SumToShape(Storage x, int[] xShape, Storage y, int[] yShape)
    {
        if (IsDouble(x)) SumToShape(Data<double>(x), xShape, Data<double>(y), yShape);
        else SumToShape(Data<float>(x), xShape, Data<float>(y), yShape);
    }

    // Reduces each maximal run of axes that are all reduced (or all kept) at once, as (outer, reduce, inner) sums.
    private static void SumToShape<T>(T[] x, int[] xShape, T[] y, int[] yShape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var current = x;
        var shape = (int[])xShape.Clone();
        for (int axis = 0; axis < shape.Length; axis++)
        {
            if (yShape[axis] == shape[axis]) continue;
            int end = axis;
            while (end + 1 < shape.Length && yShape[end + 1] != shape[end + 1]) end++;
            int outer = (int)Cac.Shape.Numel(shape.AsSpan(0, axis));
            int reduce = (int)Cac.Shape.Numel(shape.AsSpan(axis, end - axis + 1));
            int inner = (int)Cac.Shape.Numel(shape.AsSpan(end + 1));
            var next = new T[(long)outer * inner];
            ReduceSum(current, next, outer, reduce, inner);
            current = next;
            for (int d = axis; d <= end; d++) shape[d] = 1;
            axis = end;
        }
        Array.Copy(current, y, y.LongLength);
    }

    /// <inheritdoc />
    public void ReduceSum(Storage x, Storage y, int outer, int reduce, int inner)
    {
        if (IsDouble(x)) ReduceSum(Data<double>(x), Data<double>(y), outer, reduce, inner);
        else ReduceSum(Data<float>(x), Data<float>(y), outer, reduce, inner);
    }

    // x: (outer, reduce, inner) -> y: (outer, inner). Accumulates in double for float inputs, r ascending.
    private static void ReduceSum<T>(T[] x, T[] y, int outer, int reduce, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner >= RowReduceMinInner)
        {
            ReduceSumRows(x, y, outer, reduce, inner);
            return;
        }
        CpuParallel.For((long)outer * inner, Math.Max(1, ElementwiseGrain / Math.Max(reduce, 1)), (start, end) =>
        {
            for (long oi = start; oi < end; oi++)
            {
                long o = oi / inner, i = oi % inner;
                long baseIndex = o * reduce * inner + i;
                double sum = 0;
                for (int r = 0; r < reduce; r++) sum += double.CreateTruncating(x[baseIndex + (long)r * inner]);
                y[oi] = T.CreateTruncating(sum);
            }
        });
    }

    private const int RowReduceMinInner = 64;

    // Long inner rows (e.g. the channel mean of (N, C, H*W)): whole rows are added in order, reading memory
    // sequentially; each output keeps the same double accumulation in the same order as the strided loop.
    private static void ReduceSumRows<T>(T[] x, T[] y, int outer, int reduce, int inner) where T : unmanaged, IFloatingPointIeee754<T> =>
        CpuParallel.For(outer, 1, (start, end) =>
        {
            var acc = new double[inner];
            for (long o = start; o < end; o++)
            {
                Array.Clear(acc);
                for (int r = 0; r < reduce; r++)
                {
                    var row = x.AsSpan(checked((int)((o * reduce + r) * inner)), inner);
                    for (int i = 0; i < row.Length; i++) acc[i] += double.CreateTruncating(row[i]);
                }
                var dst = y.AsSpan(checked((int)(o * inner)), inner);
                for (int i = 0; i < dst.Length; i++) dst[i] = T.CreateTruncating(acc[i]);
            }
        });

    /// <inheritdoc />
    public void Permute(Storage x, int[] xShape, int[] perm, Storage y)
    {
        switch (x.DType)
        {
            case DType.Float32: Permute(Data<float>(x), xShape, perm, Data<float>(y)); break;
            case DType.Float64: Permute(Data<double>(x), xShape, perm, Data<double>(y)); break;
            default: Permute(Data<int>(x), xShape, perm, Data<int>(y)); break;
        }
    }

    // y[j0, j1, ...] = x[...] where y axis i is x axis perm[i]. Innermost y axis copied in a strided loop.
    private static void Permute<T>(T[] x, int[] xShape, int[] perm, T[] y)
    {
        int rank = xShape.Length;
        if (rank == 0) { y[0] = x[0]; return; }
        var xStrides = Cac.Shape.Strides(xShape);
        var yShape = perm.Select(p => xShape[p]).ToArray();
        var srcStrides = perm.Select(p => xStrides[p]).ToArray();
        int inner = yShape[^1];
        long innerStride = srcStrides[^1];
        long rows = inner == 0 ? 0 : y.LongLength / inner;
        CpuParallel.For(rows, Math.Max(1, ElementwiseGrain / Math.Max(inner, 1)), (rowStart, rowEnd) =>
        {
            for (long row = rowStart; row < rowEnd; row++)
            {
                long src = 0, rest = row;
                for (int d = rank - 2; d >= 0; d--)
                {
                    src += rest % yShape[d] * srcStrides[d];
                    rest /= yShape[d];
                }
                long dst = row * inner;
                for (int i = 0; i < inner; i++) y[dst + i] = x[src + i * innerStride];
            }
        });
    }
}
