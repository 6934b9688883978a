using FluentAssertions;
using Xunit;
using static Cac.Tests.Gpu.Parity;

namespace Cac.Tests.Gpu;

// Batch norm, pooling, upsampling and padding kernels: the ILGPU backend against the CPU backend.
[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class GpuNormPoolParityTests(GpuFixture fixture)
{
    private readonly Device _gpu = fixture.Gpu;
    private IBackend Cpu => Device.Cpu.Backend;
    private IBackend Gpu => _gpu.Backend;

    [Theory]
    [InlineData(3, 2, 5, false)]
    [InlineData(4, 3, 70, false)] // more elements per channel than threads per group
    [InlineData(2, 2, 1500, false)] // each channel reduced in two slices
    [InlineData(3, 2, 5, true)] // with the fused ReLU
    [InlineData(2, 2, 1500, true)]
    public void Batch_norm_training_forward_and_backward(int n, int c, int hw, bool relu)
    {
        var x = Rand(1, n, c, hw);
        var gamma = Rand(2, c);
        var beta = Rand(3, c);
        var gy = Rand(4, n, c, hw);
        var rm = Rand(5, c);
        var rv = Uniform(6, 0.5, 2, c);
        var (rmg, rvg) = (rm.To(_gpu), rv.To(_gpu));
        var (y, mean, inv) = (Tensor.ZerosLike(x), Tensor.Zeros([c]), Tensor.Zeros([c]));
        var (yg, meang, invg) = (ZerosOn(_gpu, n, c, hw), ZerosOn(_gpu, c), ZerosOn(_gpu, c));
        Cpu.BatchNormTrainForward(x.Storage, gamma.Storage, beta.Storage, y.Storage, mean.Storage, inv.Storage, rm.Storage, rv.Storage, n, c, hw, 0.1, 1e-5, relu);
        Gpu.BatchNormTrainForward(x.To(_gpu).Storage, gamma.To(_gpu).Storage, beta.To(_gpu).Storage, yg.Storage, meang.Storage, invg.Storage,
            rmg.Storage, rvg.Storage, n, c, hw, 0.1, 1e-5, relu);
        if (relu) y.ToFloatArray().Should().Contain(0f, "the ReLU must cut somewhere");
        yg.ShouldMatch(y, "bn y");
        meang.ShouldMatch(mean, "bn saved mean");
        invg.ShouldMatch(inv, "bn saved inverse std");
        rmg.ShouldMatch(rm, "bn running mean");
        rvg.ShouldMatch(rv, "bn running var");

        foreach (bool batchStats in new[] { true, false })
        {
            var (gx, gGamma, gBeta) = (Tensor.ZerosLike(x), Tensor.Zeros([c]), Tensor.Zeros([c]));
            var (gxg, gGammag, gBetag) = (ZerosOn(_gpu, n, c, hw), ZerosOn(_gpu, c), ZerosOn(_gpu, c));
            Cpu.BatchNormBackward(x.Storage, relu ? y.Storage : null, gy.Storage, gamma.Storage, mean.Storage, inv.Storage,
                gx.Storage, gGamma.Storage, gBeta.Storage, n, c, hw, batchStats);
            Gpu.BatchNormBackward(x.To(_gpu).Storage, relu ? yg.Storage : null, gy.To(_gpu).Storage, gamma.To(_gpu).Storage, meang.Storage, invg.Storage,
                gxg.Storage, gGammag.Storage, gBetag.Storage, n, c, hw, batchStats);
            gxg.ShouldMatch(gx, $"bn gx (batch statistics: {batchStats})");
            gGammag.ShouldMatch(gGamma, "bn gamma gradient");
            gBetag.ShouldMatch(gBeta, "bn beta gradient");
        }
    }

    [Fact]
    public void Batch_norm_eval_forward()
    {
        var x = Rand(7, 2, 3, 4);
        var (gamma, beta, rm, rv) = (Rand(8, 3), Rand(9, 3), Rand(10, 3), Uniform(11, 0.5, 2, 3));
        var y = Tensor.ZerosLike(x);
        var yg = ZerosOn(_gpu, 2, 3, 4);
        Cpu.BatchNormEvalForward(x.Storage, gamma.Storage, beta.Storage, rm.Storage, rv.Storage, y.Storage, 2, 3, 4, 1e-5);
        Gpu.BatchNormEvalForward(x.To(_gpu).Storage, gamma.To(_gpu).Storage, beta.To(_gpu).Storage, rm.To(_gpu).Storage, rv.To(_gpu).Storage, yg.Storage, 2, 3, 4, 1e-5);
        yg.ShouldMatch(y, "bn eval");
    }

    public static TheoryData<PoolGeometry> PoolGeometries => new()
    {
        // N, C, H, W, KH, KW, strideH, strideW, padH, padW
        new PoolGeometry(2, 2, 6, 6, 2, 2, 2, 2, 0, 0),
        new PoolGeometry(1, 3, 7, 5, 3, 3, 2, 1, 1, 1),
        new PoolGeometry(2, 1, 5, 6, 3, 2, 1, 2, 1, 0),
    };

    [Theory]
    [MemberData(nameof(PoolGeometries))]
    public void Max_and_average_pooling_forward_and_backward(PoolGeometry g)
    {
        var x = Rand(12, g.N, g.C, g.H, g.W);
        var gy = Rand(13, g.N, g.C, g.Ho, g.Wo);
        var (xg, gyg) = (x.To(_gpu), gy.To(_gpu));
        int[] yShape = [g.N, g.C, g.Ho, g.Wo];

        var (y, idx) = (Tensor.Zeros(yShape), Tensor.Zeros(yShape, DType.Int32));
        var (yg, idxg) = (ZerosOn(_gpu, yShape), Tensor.Zeros(yShape, DType.Int32, _gpu));
        Cpu.MaxPool2dForward(x.Storage, y.Storage, idx.Storage, g);
        Gpu.MaxPool2dForward(xg.Storage, yg.Storage, idxg.Storage, g);
        yg.ShouldMatch(y, "max pool");
        idxg.ToIntArray().Should().Equal(idx.ToIntArray(), "max pool indices");
        var gx = Tensor.ZerosLike(x);
        var gxg = Tensor.Full(x.Shape, 9, DType.Float32, _gpu);
        Cpu.MaxPool2dBackward(gy.Storage, idx.Storage, gx.Storage, g);
        Gpu.MaxPool2dBackward(gyg.Storage, idxg.Storage, gxg.Storage, g);
        gxg.ShouldMatch(gx, "max pool backward");

        foreach (bool includePad in new[] { true, false })
        {
            var ya = Tensor.Zeros(yShape);
            var yag = ZerosOn(_gpu, yShape);
            Cpu.AvgPool2dForward(x.Storage, ya.Storage, g, includePad);
            Gpu.AvgPool2dForward(xg.Storage, yag.Storage, g, includePad);
            yag.ShouldMatch(ya, $"avg pool (count pad: {includePad})");
            var gxa = Tensor.ZerosLike(x);
            var gxag = Tensor.Full(x.Shape, 9, DType.Float32, _gpu);
            Cpu.AvgPool2dBackward(gy.Storage, gxa.Storage, g, includePad);
            Gpu.AvgPool2dBackward(gyg.Storage, gxag.Storage, g, includePad);
            gxag.ShouldMatch(gxa, $"avg pool backward (count pad: {includePad})");
        }
    }

    [Theory]
    [InlineData(6, 6, 1, 1)]
    [InlineData(7, 5, 3, 2)] // overlapping bins
    [InlineData(4, 4, 4, 4)]
    public void Adaptive_average_pooling_forward_and_backward(int h, int w, int ho, int wo)
    {
        const int planes = 3;
        var x = Rand(14, planes, h, w);
        var gy = Rand(15, planes, ho, wo);
        var y = Tensor.Zeros([planes, ho, wo]);
        var yg = ZerosOn(_gpu, planes, ho, wo);
        Cpu.AdaptiveAvgPool2dForward(x.Storage, y.Storage, planes, h, w, ho, wo);
        Gpu.AdaptiveAvgPool2dForward(x.To(_gpu).Storage, yg.Storage, planes, h, w, ho, wo);
        yg.ShouldMatch(y, "adaptive pool");
        var gx = Tensor.ZerosLike(x);
        var gxg = ZerosOn(_gpu, planes, h, w);
        Cpu.AdaptiveAvgPool2dBackward(gy.Storage, gx.Storage, planes, h, w, ho, wo);
        Gpu.AdaptiveAvgPool2dBackward(gy.To(_gpu).Storage, gxg.Storage, planes, h, w, ho, wo);
        gxg.ShouldMatch(gx, "adaptive pool backward");
    }

    [Theory]
    [InlineData(3, 4, 6, 8, false, false)]
    [InlineData(3, 4, 7, 5, false, false)]
    [InlineData(3, 4, 6, 8, true, false)]
    [InlineData(3, 4, 7, 9, true, true)]
    [InlineData(5, 4, 3, 7, true, false)]
    [InlineData(1, 3, 4, 1, true, true)]
    public void Upsampling_forward_and_backward(int h, int w, int ho, int wo, bool bilinear, bool alignCorners)
    {
        const int planes = 2;
        var x = Rand(16, planes, h, w);
        var gy = Rand(17, planes, ho, wo);
        var y = Tensor.Zeros([planes, ho, wo]);
        var yg = ZerosOn(_gpu, planes, ho, wo);
        Cpu.Upsample2dForward(x.Storage, y.Storage, planes, h, w, ho, wo, bilinear, alignCorners);
        Gpu.Upsample2dForward(x.To(_gpu).Storage, yg.Storage, planes, h, w, ho, wo, bilinear, alignCorners);
        yg.ShouldMatch(y, "upsample");
        var gx = Tensor.ZerosLike(x);
        var gxg = ZerosOn(_gpu, planes, h, w);
        Cpu.Upsample2dBackward(gy.Storage, gx.Storage, planes, h, w, ho, wo, bilinear, alignCorners);
        Gpu.Upsample2dBackward(gy.To(_gpu).Storage, gxg.Storage, planes, h, w, ho, wo, bilinear, alignCorners);
        gxg.ShouldMatch(gx, "upsample backward");
    }

    [Theory]
    [InlineData(1, 2, 0, 3)]
    [InlineData(-1, 2, 1, -2)] // negative pads crop
    public void Padding_forward_and_backward(int top, int bottom, int left, int right)
    {
        const int planes = 2, h = 4, w = 5;
        int ho = h + top + bottom, wo = w + left + right;
        var x = Rand(18, planes, h, w);
        var gy = Rand(19, planes, ho, wo);
        var y = Tensor.Zeros([planes, ho, wo]);
        var yg = ZerosOn(_gpu, planes, ho, wo);
        Cpu.Pad2dForward(x.Storage, y.Storage, planes, h, w, top, bottom, left, right, 0.5);
        Gpu.Pad2dForward(x.To(_gpu).Storage, yg.Storage, planes, h, w, top, bottom, left, right, 0.5);
        yg.ShouldMatch(y, "pad");
        var gx = Tensor.ZerosLike(x);
        var gxg = Tensor.Full(x.Shape, 7, DType.Float32, _gpu);
        Cpu.Pad2dBackward(gy.Storage, gx.Storage, planes, h, w, top, bottom, left, right);
        Gpu.Pad2dBackward(gy.To(_gpu).Storage, gxg.Storage, planes, h, w, top, bottom, left, right);
        gxg.ShouldMatch(gx, "pad backward");
    }
}
