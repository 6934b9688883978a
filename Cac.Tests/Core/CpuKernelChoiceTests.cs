using Cac.Cpu.Kernels;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

/// <summary>
/// The tests that set <see cref="CpuBackend.Kernels"/>: it is process-wide, so they run alone (after the parallel tests,
/// one at a time) and put the setting back when done (<see cref="KernelChoice.With{T}"/>).
/// </summary>
[CollectionDefinition(nameof(CpuKernelsCollection), DisableParallelization = true)]
public sealed class CpuKernelsCollection;

/// <summary>Runs code under one <see cref="CpuKernelChoice"/> and restores the previous one, also when it throws.</summary>
internal static class KernelChoice
{
    /// <summary>The three settings, for theories.</summary>
    public static TheoryData<CpuKernelChoice> All => [CpuKernelChoice.Reference, CpuKernelChoice.Gemm, CpuKernelChoice.Fast];

    public static T With<T>(CpuKernelChoice choice, Func<T> body)
    {
        var before = CpuBackend.Kernels;
        CpuBackend.Kernels = choice;
        try { return body(); }
        finally { CpuBackend.Kernels = before; }
    }
}

/// <summary>
/// <see cref="CpuBackend.Kernels"/> picks the kernels of the convolutions, forward and weight gradient: bit for bit the
/// Winograd result (Fast), <see cref="ConvReference"/>'s (Reference), or not Winograd's (Gemm: im2col + GEMM; its bits
/// cannot tell it from the direct kernels, which run the same GEMM micro-kernel on an implicit im2col and so sum in the
/// same order; ConvReferenceTests holds it to the reference on every conv path).
/// </summary>
[Collection(nameof(CpuKernelsCollection))]
public class CpuKernelChoiceTests
{
    [Fact]
    public void The_setting_chooses_the_forward_kernel()
    {
        var geometry = new ConvGeometry(3, 8, 9, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var x = TestUtil.RandF(1, 3, 8, 9, 10);
        var w = TestUtil.RandF(2, 12, 8, 3, 3);
        var winograd = new float[3 * 12 * 9 * 10];
        var direct = new float[winograd.Length];
        var reference = new float[winograd.Length];
        ConvWinograd<float>.Forward(x.ToFloatArray(), w.ToFloatArray(), winograd, geometry, ConvEpilogue<float>.Bias(null));
        ConvDirect<float>.Forward(x.ToFloatArray(), w.ToFloatArray(), direct, geometry, ConvEpilogue<float>.Bias(null));
        ConvReference.Forward(x.ToFloatArray(), w.ToFloatArray(), null, reference, geometry);
        winograd.Should().NotEqual(direct, "the kernels round differently, so the checks below can tell them apart");
        winograd.Should().NotEqual(reference);

        CpuBackend.Kernels.Should().Be(CpuKernelChoice.Fast, "Fast is the default");
        KernelChoice.With(CpuKernelChoice.Fast, () => Ops.Conv2d(x, w, null, 1, 1).ToFloatArray()).Should().Equal(winograd);
        KernelChoice.With(CpuKernelChoice.Reference, () => Ops.Conv2d(x, w, null, 1, 1).ToFloatArray()).Should().Equal(reference);
        var gemm = KernelChoice.With(CpuKernelChoice.Gemm, () => Ops.Conv2d(x, w, null, 1, 1).ToFloatArray());
        gemm.Should().NotEqual(winograd);
        CpuBackend.Kernels.Should().Be(CpuKernelChoice.Fast, "With puts the setting back");
    }

    [Fact]
    public void The_setting_also_chooses_the_weight_gradient_kernel()
    {
        var geometry = new ConvGeometry(3, 8, 9, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var x = TestUtil.RandF(3, 3, 8, 9, 10).ToFloatArray();
        var gy = TestUtil.RandF(4, 3, 12, 9, 10).ToFloatArray();
        var winograd = new float[12 * 8 * 9];
        var direct = new float[winograd.Length];
        var reference = new float[winograd.Length];
        ConvWinograd<float>.WeightGradient(x, gy, winograd, geometry);
        ConvWeightGrad<float>.Compute(x, gy, direct, geometry);
        ConvReference.BackwardWeight(x, gy, reference, geometry);
        winograd.Should().NotEqual(direct);

        float[] Run(CpuKernelChoice choice) => KernelChoice.With(choice, () =>
        {
            var backend = Device.Cpu.Backend;
            using var xs = backend.Upload<float>(x);
            using var gys = backend.Upload<float>(gy);
            using var gws = backend.Allocate(DType.Float32, winograd.Length);
            backend.Conv2dBackwardWeight(xs, gys, gws, geometry);
            var gw = new float[winograd.Length];
            backend.Download<float>(gws, gw);
            return gw;
        });
        Run(CpuKernelChoice.Fast).Should().Equal(winograd);
        Run(CpuKernelChoice.Reference).Should().Equal(reference);
        Run(CpuKernelChoice.Gemm).Should().NotEqual(winograd);
    }
}
