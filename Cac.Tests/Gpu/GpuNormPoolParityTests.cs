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
        // Every output depends on the channel statistics, sums of m = N HW values.
        int m = n * hw;
        yg.ShouldMatchNormwise(y, "bn y", m);
        meang.ShouldMatchNormwise(mean, "bn saved mean", m);
        invg.ShouldMatchNormwise(inv, "bn saved inverse std", m);
        rmg.ShouldMatchNormwise(rm, "bn running mean", m);
        rvg.ShouldMatchNormwise(rv, "bn running var", m);

        foreach (bool batchStats in new[] { true, false })
        {
            var (gx, gGamma, gBeta) = (Tensor.ZerosLike(x), Tensor.Zeros([c]), Tensor.Zeros([c]));
            var (gxg, gGammag, gBetag) = (ZerosOn(_gpu, n, c, hw), ZerosOn(_gpu, c), ZerosOn(_gpu, c));
            Cpu.BatchNormBackward(x.Storage, relu ? y.Storage : null, gy.Storage, gamma.Storage, mean.Storage, inv.Storage,
                gx.Storage, gGamma.Storage, gBeta.Storage, n, c, hw, batchStats);
            Gpu.BatchNormBackward(x.To(_gpu).Storage, relu ? yg.Storage : null, gy.To(_gpu).Storage, gamma.To(_gpu).Storage, meang.Storage, invg.Storage,
                gxg.Storage, gGammag.Storage, gBetag.Storage, n, c, hw, batchStats);
            gxg.ShouldMatchNormwise(gx, $"bn gx (batch statistics: {batchStats})", m);
            gGammag.ShouldMatchNormwise(gGamma, "bn gamma gradient", m);
            gBetag.ShouldMatchNormwise(gBeta, "bn beta gradient", m);
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
        // No reduction: (x - mean) * scale + beta per element, scale = gamma / sqrt(var + eps) within a few ulps on each
        // side; + beta cancels, so the scaled term's and beta's roundings count absolutely.
        yg.ShouldMatchElementwise(y, "bn eval", Ulps4, 8 * U * (MaxAbs(y) + MaxAbs(beta)));
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
    public void Max_and_average_pooling_forward_and_backward(PoolGeometry geometry)
    {
        var x = Rand(12, geometry.N, geometry.C, geometry.H, geometry.W);
        var gy = Rand(13, geometry.N, geometry.C, geometry.Ho, geometry.Wo);
        var (xg, gyg) = (x.To(_gpu), gy.To(_gpu));
        int[] yShape = [geometry.N, geometry.C, geometry.Ho, geometry.Wo];

        var (y, idx) = (Tensor.Zeros(yShape), Tensor.Zeros(yShape, DType.Int32));
        var (yg, idxg) = (ZerosOn(_gpu, yShape), Tensor.Zeros(yShape, DType.Int32, _gpu));
        Cpu.MaxPool2dForward(x.Storage, y.Storage, idx.Storage, geometry);
        Gpu.MaxPool2dForward(xg.Storage, yg.Storage, idxg.Storage, geometry);
        yg.ShouldMatchElementwise(y, "max pool", Exact);   // a selection
        idxg.ToIntArray().Should().Equal(idx.ToIntArray(), "max pool indices");
        var gx = Tensor.ZerosLike(x);
        var gxg = Tensor.Full(x.Shape, 9, DType.Float32, _gpu);
        Cpu.MaxPool2dBackward(gy.Storage, idx.Storage, gx.Storage, geometry);
        Gpu.MaxPool2dBackward(gyg.Storage, idxg.Storage, gxg.Storage, geometry);
        // A pixel receives the gradients of the windows it is the maximum of: sums of at most ceil(K / s)^2 values.
        int overlaps = (geometry.KH + geometry.StrideH - 1) / geometry.StrideH * ((geometry.KW + geometry.StrideW - 1) / geometry.StrideW);
        gxg.ShouldMatchNormwise(gx, "max pool backward", overlaps);

        foreach (bool includePad in new[] { true, false })
        {
            var ya = Tensor.Zeros(yShape);
            var yag = ZerosOn(_gpu, yShape);
            Cpu.AvgPool2dForward(x.Storage, ya.Storage, geometry, includePad);
            Gpu.AvgPool2dForward(xg.Storage, yag.Storage, geometry, includePad);
            yag.ShouldMatchNormwise(ya, $"avg pool (count pad: {includePad})", geometry.KH * geometry.KW + 1);
            var gxa = Tensor.ZerosLike(x);
            var gxag = Tensor.Full(x.Shape, 9, DType.Float32, _gpu);
            Cpu.AvgPool2dBackward(gy.Storage, gxa.Storage, geometry, includePad);
            Gpu.AvgPool2dBackward(gyg.Storage, gxag.Storage, geometry, includePad);
            gxag.ShouldMatchNormwise(gxa, $"avg pool backward (count pad: {includePad})", overlaps + 1);
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
        // Bins of at most (ceil(H / Ho) + 1) x (ceil(W / Wo) + 1) pixels; a pixel lies in at most 2 x 2 bins.
        int bin = ((h + ho - 1) / ho + 1) * ((w + wo - 1) / wo + 1);
        yg.ShouldMatchNormwise(y, "adaptive pool", bin + 1);
        var gx = Tensor.ZerosLike(x);
        var gxg = ZerosOn(_gpu, planes, h, w);
        Cpu.AdaptiveAvgPool2dBackward(gy.Storage, gx.Storage, planes, h, w, ho, wo);
        Gpu.AdaptiveAvgPool2dBackward(gy.To(_gpu).Storage, gxg.Storage, planes, h, w, ho, wo);
        gxg.ShouldMatchNormwise(gx, "adaptive pool backward", 4 * 2);
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
        // Nearest copies; bilinear blends 4 pixels (weights from the coordinates, a few roundings each).
        yg.ShouldMatchNormwise(y, "upsample", 4 + 4);
        var gx = Tensor.ZerosLike(x);
        var gxg = ZerosOn(_gpu, planes, h, w);
        Cpu.Upsample2dBackward(gy.Storage, gx.Storage, planes, h, w, ho, wo, bilinear, alignCorners);
        Gpu.Upsample2dBackward(gy.To(_gpu).Storage, gxg.Storage, planes, h, w, ho, wo, bilinear, alignCorners);
        // A pixel receives the gradients of the outputs within one source pixel of it: at most (Ho / H + 2) (Wo / W + 2).
        gxg.ShouldMatchNormwise(gx, "upsample backward", (ho / h + 2) * (wo / w + 2) + 4);
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
        yg.ShouldMatchElementwise(y, "pad", Exact);   // copies and the pad value
        var gx = Tensor.ZerosLike(x);
        var gxg = Tensor.Full(x.Shape, 7, DType.Float32, _gpu);
        Cpu.Pad2dBackward(gy.Storage, gx.Storage, planes, h, w, top, bottom, left, right);
        Gpu.Pad2dBackward(gy.To(_gpu).Storage, gxg.Storage, planes, h, w, top, bottom, left, right);
        gxg.ShouldMatchElementwise(gx, "pad backward", Exact);   // a crop
    }
}
