using System.Numerics;

namespace Cac.Cpu.Kernels;

// Sums over axes: x viewed as (outer, reduce, inner) -> y: (outer, inner), and the adjoint of broadcasting
// (x of shape xShape summed down to yShape). Sums accumulate in double, r ascending; parallel over outputs.
// GPU twin: Cac.Gpu/Kernels/ReduceKernels.cs.
// Checked against: Cac.Tests/Core/ReduceAndShapeGradTests.cs.
internal static class ReduceKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Reduces each maximal run of axes that are all reduced (or all kept) at once, as (outer, reduce, inner) sums.
    public static void SumToShape(T[] x, int[] xShape, T[] y, int[] yShape)
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

    // x: (outer, reduce, inner) -> y: (outer, inner). Accumulates in double for float inputs, r ascending.
    public static void ReduceSum(T[] x, T[] y, int outer, int reduce, int inner)
    {
        if (inner >= RowReduceMinInner)
        {
            ReduceSumRows(x, y, outer, reduce, inner);
            return;
        }
        CpuParallel.For((long)outer * inner, Math.Max(1, CpuParallel.ElementwiseGrain / Math.Max(reduce, 1)), (start, end) =>
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
    private static void ReduceSumRows(T[] x, T[] y, int outer, int reduce, int inner) =>
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
}
