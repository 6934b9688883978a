using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

/// <summary>The CPU's fused per-sample sparse kernels against the composed default built from the fine-grained kernels.</summary>
public class CacSparseKernelTests
{
    [Theory]
    [InlineData(1, 3, 1, 1, 1, 1, true, CacSamplePoint.Centre, 4, 6)]
    [InlineData(5, 3, 1, 1, 1, 1, true, CacSamplePoint.Centre, 4, 6)]
    [InlineData(5, 3, 2, 0, 1, 2, false, CacSamplePoint.TopLeft, 4, 6)]
    [InlineData(3, 5, 2, 2, 1, 1, true, CacSamplePoint.TopLeft, 4, 6)]
    [InlineData(4, 3, 1, 2, 2, 2, false, CacSamplePoint.Centre, 4, 6)]
    // More output channels than one register tile holds (8 lanes in float64), per group too.
    [InlineData(2, 3, 1, 1, 1, 1, true, CacSamplePoint.Centre, 5, 19)]
    [InlineData(3, 3, 1, 1, 1, 2, false, CacSamplePoint.TopLeft, 6, 34)]
    public void Fused_cpu_kernels_equal_the_composed_default(int n, int k, int stride, int pad, int dilation, int groups, bool bias,
        CacSamplePoint point, int cin, int cout)
    {
        var backend = Device.Cpu.Backend;
        const int h = 9, w = 8;
        var geometry = new ConvGeometry(n, cin, h, w, cout, k, k, stride, stride, pad, pad, dilation, dilation, groups);
        var x = RandD(1, n, cin, h, w).Detach();
        var wt = RandD(2, cout, cin / groups, k, k).Detach();
        var b = bias ? RandD(3, cout).Detach() : null;
        var gy = RandD(4, n, cout, geometry.Ho, geometry.Wo).Detach();
        var score = RandD(5, n, 1, geometry.Ho, geometry.Wo).Detach();
        int total = n * geometry.Ho * geometry.Wo;
        var order = Tensor.Zeros([total], DType.Int32);
        int sharp = backend.CacPartition(score.Storage, total, order.Storage);
        sharp.Should().BeInRange(1, total - 1);
        var sharpList = order.ToIntArray()[..sharp];
        sharpList.Should().BeInAscendingOrder().And.OnlyContain(i => score.ToDoubleArray()[i] > 0);
        var wPhi = Tensor.Zeros([cout, cin / groups], DType.Float64);
        backend.CacSumTaps(wt.Storage, wPhi.Storage, cout * cin / groups, k * k);

        var yFused = Tensor.Zeros([n, cout, geometry.Ho, geometry.Wo], DType.Float64);
        var yComposed = Tensor.Zeros([n, cout, geometry.Ho, geometry.Wo], DType.Float64);
        backend.CacSparseForward(x.Storage, wt.Storage, wPhi.Storage, b?.Storage, order.Storage, sharp, yFused.Storage, geometry, point);
        CacSparseComposed.Forward(backend, x.Storage, wt.Storage, wPhi.Storage, b?.Storage, order.Storage, sharp, yComposed.Storage, geometry, point);
        CacReference.RelativeError(yFused.ToDoubleArray(), yComposed.ToDoubleArray()).Should().BeLessThan(1e-12);

        // Garbage in the outputs must not leak through: both overwrite.
        var gxFused = Tensor.Full(x.Shape, 7.0, DType.Float64);
        var gwFused = Tensor.Full(wt.Shape, 7.0, DType.Float64);
        var gxComposed = Tensor.Full(x.Shape, -3.0, DType.Float64);
        var gwComposed = Tensor.Full(wt.Shape, -3.0, DType.Float64);
        backend.CacSparseBackward(x.Storage, wt.Storage, wPhi.Storage, gy.Storage, order.Storage, sharp, gxFused.Storage, gwFused.Storage, geometry, point);
        CacSparseComposed.Backward(backend, x.Storage, wt.Storage, wPhi.Storage, gy.Storage, order.Storage, sharp, gxComposed.Storage, gwComposed.Storage, geometry, point);
        CacReference.RelativeError(gxFused.ToDoubleArray(), gxComposed.ToDoubleArray()).Should().BeLessThan(1e-12);
        CacReference.RelativeError(gwFused.ToDoubleArray(), gwComposed.ToDoubleArray()).Should().BeLessThan(1e-12);

        // Only one of the two gradients.
        var gxOnly = Tensor.Zeros(x.Shape, DType.Float64);
        backend.CacSparseBackward(x.Storage, wt.Storage, wPhi.Storage, gy.Storage, order.Storage, sharp, gxOnly.Storage, null, geometry, point);
        gxOnly.ToDoubleArray().Should().Equal(gxFused.ToDoubleArray());
        var gwOnly = Tensor.Zeros(wt.Shape, DType.Float64);
        backend.CacSparseBackward(x.Storage, wt.Storage, wPhi.Storage, gy.Storage, order.Storage, sharp, null, gwOnly.Storage, geometry, point);
        gwOnly.ToDoubleArray().Should().Equal(gwFused.ToDoubleArray());
    }

    // Float32 (the vectorised transposes run for whole 8 x 8 blocks, overlapping at the edges): channel counts that
    // are not multiples of a register tile, and planes that are not multiples of 8.
    [Theory]
    [InlineData(1, 16, 24, 11, 9)]
    [InlineData(2, 16, 24, 7, 10)]
    [InlineData(1, 12, 40, 9, 9)]
    public void Fused_cpu_kernels_equal_the_composed_default_in_float32(int groups, int cin, int cout, int h, int w)
    {
        var backend = Device.Cpu.Backend;
        const int n = 3;
        var geometry = new ConvGeometry(n, cin, h, w, cout, 3, 3, 1, 1, 1, 1, 1, 1, groups);
        var x = RandD(11, n, cin, h, w).To(DType.Float32).Detach();
        var wt = RandD(12, cout, cin / groups, 3, 3).To(DType.Float32).Detach();
        var b = RandD(13, cout).To(DType.Float32).Detach();
        var gy = RandD(14, n, cout, geometry.Ho, geometry.Wo).To(DType.Float32).Detach();
        var score = RandD(15, n, 1, geometry.Ho, geometry.Wo).To(DType.Float32).Detach();
        int total = n * geometry.Ho * geometry.Wo;
        var order = Tensor.Zeros([total], DType.Int32);
        int sharp = backend.CacPartition(score.Storage, total, order.Storage);
        sharp.Should().BeInRange(1, total - 1);
        var wPhi = Tensor.Zeros([cout, cin / groups], DType.Float32);
        backend.CacSumTaps(wt.Storage, wPhi.Storage, cout * cin / groups, 9);

        var yFused = Tensor.Zeros([n, cout, geometry.Ho, geometry.Wo], DType.Float32);
        var yComposed = Tensor.Zeros([n, cout, geometry.Ho, geometry.Wo], DType.Float32);
        backend.CacSparseForward(x.Storage, wt.Storage, wPhi.Storage, b.Storage, order.Storage, sharp, yFused.Storage, geometry, CacSamplePoint.Centre);
        CacSparseComposed.Forward(backend, x.Storage, wt.Storage, wPhi.Storage, b.Storage, order.Storage, sharp, yComposed.Storage, geometry, CacSamplePoint.Centre);
        CacReference.RelativeError(yFused.ToDoubleArray(), yComposed.ToDoubleArray()).Should().BeLessThan(1e-5);

        var gxFused = Tensor.Full(x.Shape, 7.0, DType.Float32);
        var gwFused = Tensor.Full(wt.Shape, 7.0, DType.Float32);
        var gxComposed = Tensor.Zeros(x.Shape, DType.Float32);
        var gwComposed = Tensor.Zeros(wt.Shape, DType.Float32);
        backend.CacSparseBackward(x.Storage, wt.Storage, wPhi.Storage, gy.Storage, order.Storage, sharp, gxFused.Storage, gwFused.Storage, geometry, CacSamplePoint.Centre);
        CacSparseComposed.Backward(backend, x.Storage, wt.Storage, wPhi.Storage, gy.Storage, order.Storage, sharp, gxComposed.Storage, gwComposed.Storage, geometry, CacSamplePoint.Centre);
        CacReference.RelativeError(gxFused.ToDoubleArray(), gxComposed.ToDoubleArray()).Should().BeLessThan(1e-5);
        CacReference.RelativeError(gwFused.ToDoubleArray(), gwComposed.ToDoubleArray()).Should().BeLessThan(1e-5);
    }
}
