using ILGPU;

namespace Cac.Gpu.Kernels;

// Tree reduction across one thread group through shared memory. Every thread of the group must call it
// (it contains barriers); the group size must be a power of two no larger than the scratch view.
// CPU twin: none (a thread-group helper; the CPU kernels reduce in one thread per output).
internal static class GroupReduce
{
    /// <summary>The sum of <paramref name="value"/> over the group, returned to every thread.</summary>
    public static float Sum(ArrayView<float> scratch, float value)
    {
        int t = Group.IdxX;
        scratch[t] = value;
        Group.Barrier();
        for (int s = Group.DimX / 2; s > 0; s >>= 1)
        {
            if (t < s) scratch[t] += scratch[t + s];
            Group.Barrier();
        }
        float total = scratch[0];
        Group.Barrier();
        return total;
    }
}
