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

/// <summary>
/// Helpers for comparing the ILGPU backend against the CPU backend (float32, unit roundoff u = 2^-24). Every parity test
/// uses one of two checks, named at its call:
/// <list type="bullet">
/// <item><see cref="ShouldMatchElementwise"/>, for ops without reductions (copies, permutes, gathers, one arithmetic
/// formula per element): |gpu - cpu| &lt;= rtol |cpu| + atol in every element. Copies and selections do no arithmetic:
/// rtol = atol = 0 (<see cref="Exact"/>). An IEEE operation is correctly rounded on both sides, so one gives the same
/// bits; a formula of a few of them may differ by fused versus separate multiply-adds, a reciprocal multiply for a
/// division or a library function within 2 ulps (CUDA's expf, logf, tanhf): <see cref="Ulps4"/> = 8 u relative (an ulp
/// is at most 2 u of the value) allows four ulps, <see cref="Ulps8"/> eight where an input computed on each side (the
/// forward's y in a backward) enters. atol is only given where the formula cancels (x a + b, 1 - y^2, after - before of
/// an update), as a multiple of u times the scale of the cancelling terms, which the call names.</item>
/// <item><see cref="ShouldMatchNormwise"/>, for reductions and ops downstream of one (sums, GEMM, convolution, batch norm,
/// softmax): max |gpu - cpu| &lt;= 16 sqrt(n) u max |cpu|, n the reduction length (the longest chain of additions
/// behind an element, named at the call). A sum's error is relative to the sum of its terms' magnitudes, not to its
/// value, so an elementwise relative check is meaningless where the terms cancel (a small element of a GEMM is as
/// accurate as a large one in absolute terms); normwise, against the tensor's largest element, measures that scale. The
/// worst-case bound, 2 gamma_n sum |terms| (Rounding.Gamma) for the two sides, exceeds the old normwise 1e-4 for the
/// long sums here (n up to 8200); with rounding errors of random sign the error of an n-term sum grows like sqrt(n) u
/// (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., section 4.2), about sqrt(n) u / 3 of the largest
/// element of a tensor of sums of random N(0, 1)-scale terms, so 16 sqrt(n) u leaves a factor of about 50 (measured
/// worst: 67 u at n = 3000, 20 u at n = 700, 6 u at n = 29; the bound is 876 u, 423 u and 86 u there, and below the old
/// 1e-4 = 1678 u for every n below 11000).</item>
/// </list>
/// </summary>
internal static class Parity
{
    /// <summary>The float32 unit roundoff, 2^-24.</summary>
    public const double U = 1.0 / (1 << 24);

    /// <summary>rtol for copies and selections: none.</summary>
    public const double Exact = 0;

    /// <summary>rtol of four ulps, for an elementwise formula of a few correctly rounded operations or library functions.</summary>
    public const double Ulps4 = 8 * U;

    /// <summary>rtol of eight ulps, for an elementwise formula that also reads a value each side computed itself.</summary>
    public const double Ulps8 = 16 * U;

    /// <summary>A float32 tensor of N(0, 1) samples on the CPU.</summary>
    public static Tensor Rand(int seed, params int[] shape) => TestUtil.RandF(seed, shape);

    /// <summary>A float32 tensor of uniform samples in [low, high) on the CPU.</summary>
    public static Tensor Uniform(int seed, double low, double high, params int[] shape) =>
        Tensor.Uniform(shape, new Generator(seed), low, high);

    /// <summary>The largest |value| of a tensor (a scale for <see cref="ShouldMatchElementwise"/>'s atol).</summary>
    public static double MaxAbs(Tensor t) => t.ToDoubleArray().Select(Math.Abs).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Asserts that a GPU tensor matches a CPU tensor element by element: same shape, |gpu - cpu| &lt;= rtol |cpu| + atol
    /// everywhere (NaN only where the CPU has NaN).
    /// </summary>
    public static void ShouldMatchElementwise(this Tensor gpu, Tensor cpu, string what, double rtol = Ulps4, double atol = 0)
    {
        gpu.Shape.Should().Equal(cpu.Shape, what);
        var gpuValues = gpu.ToFloatArray();
        var c = cpu.ToFloatArray();
        for (int i = 0; i < c.Length; i++)
        {
            if (float.IsNaN(c[i]) && float.IsNaN(gpuValues[i])) continue;
            double error = Math.Abs((double)gpuValues[i] - c[i]), bound = rtol * Math.Abs((double)c[i]) + atol;
            if (!(error <= bound))
                throw new Xunit.Sdk.XunitException(
                    $"{what}: element {i} of {Shape.Format(cpu.Shape)}: gpu {gpuValues[i]:R}, cpu {c[i]:R}, |error| {error:G3} > {rtol / U:G3} u |cpu| + {atol:G3} = {bound:G3}");
        }
    }

    /// <summary>
    /// Asserts that a GPU tensor matches a CPU tensor normwise: same shape, max |gpu - cpu| &lt;= 16 sqrt(n) u max |cpu|,
    /// n the length of the reductions behind the tensor (see the class remarks).
    /// </summary>
    public static void ShouldMatchNormwise(this Tensor gpu, Tensor cpu, string what, int terms)
    {
        terms.Should().BePositive(what);
        gpu.Shape.Should().Equal(cpu.Shape, what);
        var gpuValues = gpu.ToFloatArray();
        var c = cpu.ToFloatArray();
        double maxAbs = 0, maxErr = 0;
        for (int i = 0; i < c.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs((double)c[i]));
            double e = Math.Abs((double)gpuValues[i] - c[i]);
            maxErr = Math.Max(maxErr, double.IsNaN(e) ? double.PositiveInfinity : e);
        }
        double tolerance = 16 * Math.Sqrt(terms) * U;
        (maxErr / Math.Max(maxAbs, 1e-30)).Should().BeLessThanOrEqualTo(tolerance,
            $"{what}: max error {maxErr:G3} against max |cpu| {maxAbs:G3} ({maxErr / Math.Max(maxAbs, 1e-30) / U:G3} u; bound 16 sqrt({terms}) u)");
    }

    /// <summary>A float32 zero tensor on a device.</summary>
    public static Tensor ZerosOn(Device device, params int[] shape) => Tensor.Zeros(shape, DType.Float32, device);
}
