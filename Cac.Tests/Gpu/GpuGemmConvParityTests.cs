using Xunit;
using static Cac.Tests.Gpu.Parity;

namespace Cac.Tests.Gpu;

// GEMM and convolution (im2col + GEMM, col2im): the ILGPU backend against the CPU backend.
[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class GpuGemmConvParityTests(GpuFixture fixture)
{
    private readonly Device _gpu = fixture.Gpu;

    [Theory]
    [InlineData(false, false, 33, 17, 29)]
    [InlineData(true, false, 33, 17, 29)]
    [InlineData(false, true, 33, 17, 29)]
    [InlineData(true, true, 33, 17, 29)]
    [InlineData(false, false, 70, 130, 20)] // several tiles in both directions, a partial k-step
    [InlineData(true, true, 65, 3, 40)]
    public void Gemm_with_transposes_offsets_alpha_and_beta(bool transA, bool transB, int m, int n, int k)
    {
        const int aOffset = 3, bOffset = 5, cOffset = 2;
        var a = Rand(1, aOffset + m * k);
        var b = Rand(2, bOffset + k * n);
        var c = Rand(3, cOffset + m * n + 4);
        var cg = c.To(_gpu);
        Device.Cpu.Backend.Gemm(transA, transB, m, n, k, 0.7, a.Storage, aOffset, b.Storage, bOffset, -0.4, c.Storage, cOffset);
        _gpu.Backend.Gemm(transA, transB, m, n, k, 0.7, a.To(_gpu).Storage, aOffset, b.To(_gpu).Storage, bOffset, -0.4, cg.Storage, cOffset);
        // alpha A B + beta C: k products, then the scaling by alpha and the addition of beta C.
        cg.ShouldMatchNormwise(c, $"gemm {(transA ? "T" : "N")}{(transB ? "T" : "N")} {m}x{n}x{k}", k + 2);
    }

    [Fact]
    public void Gemm_with_beta_zero_ignores_nan_in_c()
    {
        var a = Rand(4, 6, 5);
        var b = Rand(5, 5, 7);
        var c = Tensor.Full([6, 7], double.NaN);
        var cg = Tensor.Full([6, 7], double.NaN, DType.Float32, _gpu);
        Device.Cpu.Backend.Gemm(false, false, 6, 7, 5, 1, a.Storage, 0, b.Storage, 0, 0, c.Storage, 0);
        _gpu.Backend.Gemm(false, false, 6, 7, 5, 1, a.To(_gpu).Storage, 0, b.To(_gpu).Storage, 0, 0, cg.Storage, 0);
        cg.ShouldMatchNormwise(c, "gemm beta 0", 5 + 1);
    }

    public static TheoryData<ConvGeometry, bool> Geometries => new()
    {
        // N, Cin, H, W, Cout, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW, groups
        { new ConvGeometry(2, 3, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1), true },
        { new ConvGeometry(2, 3, 7, 6, 5, 3, 2, 2, 1, 0, 1, 1, 1, 1), false },
        { new ConvGeometry(1, 4, 6, 6, 6, 3, 3, 1, 2, 2, 1, 2, 1, 2), true },
        { new ConvGeometry(3, 2, 5, 5, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1), false },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Conv2d_forward_and_backward_kernels(ConvGeometry geometry, bool withBias)
    {
        var x = Rand(6, geometry.N, geometry.Cin, geometry.H, geometry.W);
        var w = Rand(7, geometry.Cout, geometry.CinPerGroup, geometry.KH, geometry.KW);
        var bias = withBias ? Rand(8, geometry.Cout) : null;
        var gy = Rand(9, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo);
        var (xg, wg, gyg) = (x.To(_gpu), w.To(_gpu), gy.To(_gpu));

        var y = Tensor.Zeros(gy.Shape);
        var yg = ZerosOn(_gpu, gy.Shape);
        Device.Cpu.Backend.Conv2dForward(x.Storage, w.Storage, bias?.Storage, y.Storage, geometry);
        _gpu.Backend.Conv2dForward(xg.Storage, wg.Storage, bias?.To(_gpu).Storage, yg.Storage, geometry);
        yg.ShouldMatchNormwise(y, $"conv forward {geometry}", geometry.PatchSize + 1);

        var gx = Tensor.Zeros(x.Shape);
        var gxg = Tensor.Full(x.Shape, 5, DType.Float32, _gpu); // overwritten, not accumulated
        Device.Cpu.Backend.Conv2dBackwardInput(gy.Storage, w.Storage, gx.Storage, geometry);
        _gpu.Backend.Conv2dBackwardInput(gyg.Storage, wg.Storage, gxg.Storage, geometry);
        gxg.ShouldMatchNormwise(gx, $"conv backward input {geometry}", geometry.CoutPerGroup * geometry.KH * geometry.KW);

        var gw = Tensor.Zeros(w.Shape);
        var gwg = Tensor.Full(w.Shape, 5, DType.Float32, _gpu);
        Device.Cpu.Backend.Conv2dBackwardWeight(x.Storage, gy.Storage, gw.Storage, geometry);
        _gpu.Backend.Conv2dBackwardWeight(xg.Storage, gyg.Storage, gwg.Storage, geometry);
        gwg.ShouldMatchNormwise(gw, $"conv backward weight {geometry}", geometry.N * geometry.Ho * geometry.Wo);
    }
}
