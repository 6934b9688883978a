using Cac.Nn;
using Cac.Tests.Gpu;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

/// <summary>
/// CAC on the ILGPU simulator through the layer: the native CAC kernels and the composed sparse default (device GEMM)
/// must reproduce the CPU results, forward and backward, on both paths.
/// </summary>
[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class CacGpuLayerTests(GpuFixture fixture)
{
    [Theory]
    [InlineData(CacPath.Sparse, CacScoreGradient.Gated)]
    [InlineData(CacPath.Dense, CacScoreGradient.Gated)]
    [InlineData(CacPath.Sparse, CacScoreGradient.Sigmoid)]
    [InlineData(CacPath.Dense, CacScoreGradient.Sigmoid)]
    public void Cac_on_the_simulator_matches_the_cpu(CacPath path, CacScoreGradient scoreGradient)
    {
        var cpu = new ContentAwareConv2d(3, 4, 3, stride: 1, padding: 1, path: path, generator: new Generator(1)) { ScoreGradient = scoreGradient };
        cpu.Beta.CopyFrom(Tensor.Full([1], -1.0, DType.Float32));
        var gpu = new ContentAwareConv2d(3, 4, 3, stride: 1, padding: 1, path: path, generator: new Generator(1)) { ScoreGradient = scoreGradient };
        gpu.Beta.CopyFrom(Tensor.Full([1], -1.0, DType.Float32));
        gpu.To(fixture.Gpu);

        var x = RandF(2, 2, 3, 6, 6);
        var gy = RandF(3, 2, 4, 6, 6);
        var xc = x.Detach(); xc.RequiresGrad = true;
        var xg = x.To(fixture.Gpu); xg.RequiresGrad = true;
        var yc = cpu.Forward(xc);
        var yg = gpu.Forward(xg);
        cpu.LastSharpRatio.Should().BeInRange(0.05, 0.95);
        gpu.LastSharpRatio.Should().Be(cpu.LastSharpRatio);
        yc.Backward(gy);
        yg.Backward(gy.To(fixture.Gpu));

        // Normwise (GpuFixture's Parity): y sums 3 x 9 products and the bias, dL/dx at most 9 windows of 4 channels (9 more
        // for the smooth windows' tap sums), dL/dW and dL/db one term per position (2 x 36), dL/dgamma and dL/dbeta add
        // gy y over the 2 x 4 x 36 outputs after y's own 28.
        const int positions = 2 * 36;
        yg.To(Device.Cpu).ShouldMatchNormwise(yc, "y", 28);
        xg.Grad!.To(Device.Cpu).ShouldMatchNormwise(xc.Grad!, "dL/dx", 5 * 9);
        var terms = new Dictionary<string, int> { ["weight"] = positions + 1, ["bias"] = positions, ["gamma"] = 28 + 4 * positions + 2, ["beta"] = 28 + 4 * positions + 1 };
        foreach (var ((name, pg), (_, pc)) in gpu.NamedParameters().Zip(cpu.NamedParameters()))
            pg.Grad!.To(Device.Cpu).ShouldMatchNormwise(pc.Grad!, $"dL/d{name}", terms[name]);
    }

    // (k, stride, pad, dilation): the score map on the device (channel mean, Sobel, m x m box) equals the CPU's,
    // including strided kernels larger than 3 (m = 2 for k = 5, s = 2; m = 3 for k = 7, s = 2).
    [Theory]
    [InlineData(3, 1, 1, 1)]
    [InlineData(3, 2, 1, 1)]
    [InlineData(5, 2, 2, 1)]
    [InlineData(7, 2, 3, 1)]
    [InlineData(5, 3, 1, 1)]
    [InlineData(4, 2, 1, 1)]
    public void Score_map_on_a_device_matches_the_cpu(int k, int stride, int pad, int dilation)
    {
        var x = RandF(4, 2, 3, 11, 10);
        var cpu = Ops.CacScoreMap(x, k, stride, pad, dilation);
        var gpu = Ops.CacScoreMap(x.To(fixture.Gpu), k, stride, pad, dilation);
        gpu.Device.Should().Be(fixture.Gpu);
        // Channel mean (3), Sobel (9 roundings), an m x m box mean (m <= 3).
        gpu.To(Device.Cpu).ShouldMatchNormwise(cpu, $"score map k={k} s={stride} p={pad} d={dilation}", 3 + 9 + 9);
    }
}
