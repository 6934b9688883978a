using Cac.Gpu;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Gpu;

/// <summary>
/// One ILGPU CPU-simulator device shared by every GPU parity test (kernels compile once per device): the
/// `--device ilgpu-cpu` device, with the simulator's kernel variants (grid-stride GEMM, small groups).
/// </summary>
public class GpuFixture : IDisposable
{
    /// <summary>Opens the ilgpu-cpu device.</summary>
    public GpuFixture() : this(GpuDevices.Open(DeviceKind.IlgpuCpu)) { }

    /// <summary>Wraps an opened device.</summary>
    protected GpuFixture(Device gpu) => Gpu = gpu;

    /// <summary>The simulated GPU.</summary>
    public Device Gpu { get; }

    /// <summary>Its backend.</summary>
    internal GpuBackend Backend => (GpuBackend)Gpu.Backend;

    /// <inheritdoc />
    public void Dispose()
    {
        GpuDevices.Close(Gpu);
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// A simulator with 128-thread groups running the GPU kernel variants (tiled shared-memory GEMM, 128-thread
/// reductions), so that the kernels real GPUs run are checked against the CPU backend too. Slow: small tests only.
/// </summary>
public sealed class WideGpuFixture() : GpuFixture(GpuDevices.OpenSimulator(GpuDevices.WideSimulatorDevice, new GpuKernelOptions(GemmVariant.Tiled, GpuBackend.MaxGroupSize)));

/// <summary>
/// The tests that share <see cref="GpuFixture"/>. A collection runs its tests one at a time (a GpuBackend is used by one
/// thread at a time), beside every other collection. The wrong results once seen here (a tiled GEMM, an upsampling
/// backward) were unpinned host copies that a garbage collection moved mid-copy (Cac.Gpu/HostCopy.cs, HostCopyTests).
/// </summary>
[CollectionDefinition("Gpu")]
public sealed class GpuCollection : ICollectionFixture<GpuFixture>;

/// <summary>The tests that share <see cref="WideGpuFixture"/>, one at a time, beside the other collections.</summary>
[CollectionDefinition("GpuWide")]
public sealed class GpuWideCollection : ICollectionFixture<WideGpuFixture>;

/// <summary>Helpers for comparing the ILGPU backend against the CPU backend.</summary>
internal static class Parity
{
    /// <summary>The tolerance of every parity test: max |gpu - cpu| / max |cpu| over the tensor.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>A float32 tensor of N(0, 1) samples on the CPU.</summary>
    public static Tensor Rand(int seed, params int[] shape) => TestUtil.RandF(seed, shape);

    /// <summary>A float32 tensor of uniform samples in [low, high) on the CPU.</summary>
    public static Tensor Uniform(int seed, double low, double high, params int[] shape) =>
        Tensor.Uniform(shape, new Generator(seed), low, high);

    /// <summary>Asserts that a GPU tensor matches a CPU tensor: same shape, normwise relative error within <see cref="Tolerance"/>.</summary>
    public static void ShouldMatch(this Tensor gpu, Tensor cpu, string what)
    {
        gpu.Shape.Should().Equal(cpu.Shape, what);
        var g = gpu.ToFloatArray();
        var c = cpu.ToFloatArray();
        double maxAbs = 0, maxErr = 0;
        for (int i = 0; i < c.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs((double)c[i]));
            maxErr = Math.Max(maxErr, Math.Abs((double)g[i] - c[i]));
        }
        (maxErr / Math.Max(maxAbs, 1e-30)).Should().BeLessThanOrEqualTo(Tolerance, $"{what}: max error {maxErr:G3} against max |cpu| {maxAbs:G3}");
    }

    /// <summary>A float32 zero tensor on a device.</summary>
    public static Tensor ZerosOn(Device device, params int[] shape) => Tensor.Zeros(shape, DType.Float32, device);
}
