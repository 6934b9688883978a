using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

/// <summary>Which GEMM kernel a <see cref="GpuBackend"/> launches.</summary>
internal enum GemmVariant
{
    /// <summary>Kernels/GemmKernel.cs: 64 x 64 tiles staged in shared memory by 128-thread groups (GPUs).</summary>
    Tiled,
    /// <summary>Kernels/GridStrideGemmKernel.cs: 4 x 4 register blocks, no shared memory, no barriers (ILGPU's CPU simulator).</summary>
    GridStride,
}

/// <summary>
/// Kernel variants of one backend. The CPU simulator runs every simulated thread as an OS thread and implements
/// barriers with OS primitives, so kernels that synchronise 128-thread groups crawl there; GPUs want the tiled GEMM.
/// </summary>
/// <param name="Gemm">The GEMM kernel.</param>
/// <param name="GroupSize">Threads per group of the grouped reductions (batch norm, ReduceSum): a power of two, at most <see cref="GpuBackend.MaxGroupSize"/>.</param>
internal sealed record GpuKernelOptions(GemmVariant Gemm, int GroupSize)
{
    /// <summary>The variants for an accelerator: tiled GEMM and 128-thread groups on GPUs, grid-stride GEMM and the simulator's own group size on the CPU.</summary>
    public static GpuKernelOptions For(Accelerator accelerator)
    {
        int groupSize = LargestPowerOfTwoAtMost(Math.Min(GpuBackend.MaxGroupSize, accelerator.MaxNumThreadsPerGroup));
        bool tiled = accelerator is not CPUAccelerator && accelerator.MaxNumThreadsPerGroup >= GemmKernel.Threads;
        return new GpuKernelOptions(tiled ? GemmVariant.Tiled : GemmVariant.GridStride, groupSize);
    }

    /// <summary>Throws when the accelerator cannot launch these variants.</summary>
    public void Validate(Accelerator accelerator)
    {
        if (GroupSize < 1 || GroupSize > GpuBackend.MaxGroupSize || (GroupSize & (GroupSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(GroupSize), GroupSize, $"the group size must be a power of two of at most {GpuBackend.MaxGroupSize}");
        if (GroupSize > accelerator.MaxNumThreadsPerGroup)
            throw new NotSupportedException($"{accelerator.Name} runs at most {accelerator.MaxNumThreadsPerGroup} threads per group; asked for {GroupSize}");
        if (Gemm == GemmVariant.Tiled && accelerator.MaxNumThreadsPerGroup < GemmKernel.Threads)
            throw new NotSupportedException($"{accelerator.Name} runs at most {accelerator.MaxNumThreadsPerGroup} threads per group; the tiled GEMM needs {GemmKernel.Threads}");
    }

    private static int LargestPowerOfTwoAtMost(int n)
    {
        int p = 1;
        while (p * 2 <= n) p *= 2;
        return p;
    }
}
