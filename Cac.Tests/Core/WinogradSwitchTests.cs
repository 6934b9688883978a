using Cac.Cpu.Kernels;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

[CollectionDefinition(nameof(WinogradSwitchCollection), DisableParallelization = true)]
public sealed class WinogradSwitchCollection;

/// <summary>
/// <see cref="CpuBackend.Winograd"/> picks the kernels of the convolutions it covers, forward and weight gradient (bit
/// for bit the Winograd or the direct result). Runs alone: the switch is process-wide.
/// </summary>
[Collection(nameof(WinogradSwitchCollection))]
public class WinogradSwitchTests
{
    [Fact]
    public void The_switch_chooses_between_the_winograd_and_the_direct_kernels()
    {
        var g = new ConvGeometry(3, 8, 9, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var x = TestUtil.RandF(1, 3, 8, 9, 10);
        var w = TestUtil.RandF(2, 12, 8, 3, 3);
        var winograd = new float[3 * 12 * 9 * 10];
        var direct = new float[winograd.Length];
        ConvWinograd<float>.Forward(x.ToFloatArray(), w.ToFloatArray(), winograd, g, ConvEpilogue<float>.Bias(null));
        ConvDirect<float>.Forward(x.ToFloatArray(), w.ToFloatArray(), direct, g, ConvEpilogue<float>.Bias(null));
        winograd.Should().NotEqual(direct, "the two kernels round differently, so the check below can tell them apart");
        try
        {
            CpuBackend.Winograd = false;
            Ops.Conv2d(x, w, null, 1, 1).ToFloatArray().Should().Equal(direct);
            CpuBackend.Winograd = true;
            Ops.Conv2d(x, w, null, 1, 1).ToFloatArray().Should().Equal(winograd);
        }
        finally
        {
            CpuBackend.Winograd = true;
        }
    }

    [Fact]
    public void The_switch_also_chooses_the_weight_gradient_kernel()
    {
        var g = new ConvGeometry(3, 8, 9, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var x = TestUtil.RandF(3, 3, 8, 9, 10).ToFloatArray();
        var gy = TestUtil.RandF(4, 3, 12, 9, 10).ToFloatArray();
        var winograd = new float[12 * 8 * 9];
        var direct = new float[winograd.Length];
        ConvWinograd<float>.WeightGradient(x, gy, winograd, g);
        ConvWeightGrad<float>.Compute(x, gy, direct, g);
        winograd.Should().NotEqual(direct);
        var gw = new float[winograd.Length];
        try
        {
            CpuBackend.Winograd = false;
            CpuConv<float>.BackwardWeight(x, gy, gw, g);
            gw.Should().Equal(direct);
            CpuBackend.Winograd = true;
            CpuConv<float>.BackwardWeight(x, gy, gw, g);
            gw.Should().Equal(winograd);
        }
        finally
        {
            CpuBackend.Winograd = true;
        }
    }
}
