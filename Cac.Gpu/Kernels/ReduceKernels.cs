using ILGPU;

namespace Cac.Gpu.Kernels;

// Sums over the middle axis of x viewed as (outer, reduce, inner) -> y: (outer, inner).
// Two shapes of work: one thread per output when there are many outputs (compensated summation),
// one thread group per output when there are few outputs and long sums (bias gradients).
// CPU twin: Cac.Core/Cpu/Kernels/ReduceKernels.cs.
internal static class ReduceKernels
{
    // One thread per output oi = o * inner + i, Kahan-compensated running sum.
    public static void PerThread(Index1D index, ArrayView<float> x, ArrayView<float> y, int reduce, int inner, int n, int stride)
    {
        for (int oi = index; oi < n; oi += stride)
        {
            int o = oi / inner, i = oi - o * inner;
            int baseIndex = o * reduce * inner + i;
            float sum = 0f, carry = 0f;
            for (int r = 0; r < reduce; r++)
            {
                float term = x[baseIndex + r * inner] - carry;
                float next = sum + term;
                carry = (next - sum) - term;
                sum = next;
            }
            y[oi] = sum;
        }
    }

    // One group per output (grid-stride over outputs): the group's threads split the reduce axis.
    public static void PerGroup(ArrayView<float> x, ArrayView<float> y, int reduce, int inner, int n)
    {
        var scratch = SharedMemory.Allocate<float>(GpuBackend.MaxGroupSize);
        for (int oi = Grid.IdxX; oi < n; oi += Grid.DimX)
        {
            int o = oi / inner, i = oi - o * inner;
            int baseIndex = o * reduce * inner + i;
            float partial = 0f;
            for (int r = Group.IdxX; r < reduce; r += Group.DimX) partial += x[baseIndex + r * inner];
            float total = GroupReduce.Sum(scratch, partial);
            if (Group.IdxX == 0) y[oi] = total;
        }
    }
}
