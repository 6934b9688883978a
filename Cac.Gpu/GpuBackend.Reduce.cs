using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Reductions: ReduceSum over (outer, reduce, inner) and SumToShape (the adjoint of broadcasting).
public sealed partial class GpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>? _reducePerThread;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int>? _reducePerGroup;

    /// <inheritdoc />
    public void ReduceSum(Storage x, Storage y, int outer, int reduce, int inner) => ReduceSum(Floats(x), Floats(y), outer, reduce, inner);

    private void ReduceSum(ArrayView<float> x, ArrayView<float> y, int outer, int reduce, int inner)
    {
        int n = Int((long)outer * inner);
        if (n == 0) return;
        Int((long)outer * reduce * inner);
        // Few outputs with long sums: a group per output keeps the device busy.
        if (n < 4 * _options.GroupSize && reduce >= 4 * _options.GroupSize)
        {
            _reducePerGroup ??= Profiled(_accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int>(ReduceKernels.PerGroup));
            _reducePerGroup(GroupConfig(n), x, y, reduce, inner, n);
        }
        else
        {
            _reducePerThread ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>(ReduceKernels.PerThread));
            _reducePerThread(Threads(n), x, y, reduce, inner, n, Threads(n));
        }
    }

    /// <inheritdoc />
    public void SumToShape(Storage x, int[] xShape, Storage y, int[] yShape)
    {
        // Reduces each maximal run of axes that are all reduced at once, as (outer, reduce, inner) sums,
        // through pooled temporaries; the last pass writes y.
        var runs = new List<(int Outer, int Reduce, int Inner)>();
        var shape = (int[])xShape.Clone();
        for (int axis = 0; axis < shape.Length; axis++)
        {
            if (yShape[axis] == shape[axis]) continue;
            int end = axis;
            while (end + 1 < shape.Length && yShape[end + 1] != shape[end + 1]) end++;
            runs.Add(((int)Shape.Numel(shape.AsSpan(0, axis)), (int)Shape.Numel(shape.AsSpan(axis, end - axis + 1)), (int)Shape.Numel(shape.AsSpan(end + 1))));
            for (int d = axis; d <= end; d++) shape[d] = 1;
            axis = end;
        }
        if (runs.Count == 0)
        {
            Copy(x, 0, y, 0, y.Length);
            return;
        }
        Storage? current = null;
        for (int r = 0; r < runs.Count; r++)
        {
            var (outer, reduce, inner) = runs[r];
            bool last = r == runs.Count - 1;
            var next = last ? y : Rent(DType.Float32, (long)outer * inner);
            ReduceSum(current is null ? Floats(x) : Floats(current), Floats(next), outer, reduce, inner);
            current?.Dispose();
            current = last ? null : next;
        }
    }
}
