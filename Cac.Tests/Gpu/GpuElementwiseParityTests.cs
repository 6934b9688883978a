using FluentAssertions;
using Xunit;
using static Cac.Tests.Gpu.Parity;

namespace Cac.Tests.Gpu;

// Elementwise kernels, reductions and permutes: the ILGPU backend against the CPU backend.
[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class GpuElementwiseParityTests(GpuFixture fixture)
{
    private readonly Device _gpu = fixture.Gpu;

    [Theory]
    [InlineData(UnaryOp.Neg)]
    [InlineData(UnaryOp.Relu)]
    [InlineData(UnaryOp.Sigmoid)]
    [InlineData(UnaryOp.Tanh)]
    [InlineData(UnaryOp.Exp)]
    [InlineData(UnaryOp.Log)]
    [InlineData(UnaryOp.Sqrt)]
    [InlineData(UnaryOp.Abs)]
    [InlineData(UnaryOp.Sign)]
    public void Unary_forward_and_backward(UnaryOp op)
    {
        var x = op is UnaryOp.Log or UnaryOp.Sqrt ? Uniform(1, 0.1, 3, 5, 7) : Rand(1, 5, 7);
        var gy = Rand(2, 5, 7);
        var (xg, gyg) = (x.To(_gpu), gy.To(_gpu));
        var y = Tensor.ZerosLike(x);
        var yg = ZerosOn(_gpu, 5, 7);
        Device.Cpu.Backend.Unary(op, x.Storage, y.Storage);
        _gpu.Backend.Unary(op, xg.Storage, yg.Storage);
        yg.ShouldMatchElementwise(y, $"{op} forward");

        var gx = Tensor.ZerosLike(x);
        var gxg = ZerosOn(_gpu, 5, 7);
        Device.Cpu.Backend.UnaryBackward(op, x.Storage, y.Storage, gy.Storage, gx.Storage);
        _gpu.Backend.UnaryBackward(op, xg.Storage, yg.Storage, gyg.Storage, gxg.Storage);
        // The backward reads each side's own y; sigmoid's gy y (1 - y) and tanh's gy (1 - y^2) cancel as |y| -> 1, where y's
        // four ulps (at most 8 u, |y| <= 1) become 16 u |gy| absolute.
        gxg.ShouldMatchElementwise(gx, $"{op} backward", Ulps8, op is UnaryOp.Sigmoid or UnaryOp.Tanh ? 16 * U * MaxAbs(gy) : 0);
    }

    public static TheoryData<int[], int[]> BroadcastShapes => new()
    {
        { [4, 6], [4, 6] },
        { [2, 3, 4, 5], [1, 3, 1, 1] },
        { [3, 1, 5], [4, 1] },
        { [6], [] },
        { [1], [2, 1, 3, 1, 2, 2, 3] }, // rank 7: fits six axes after coalescing
        { [2, 1, 3, 1, 2, 2, 3], [2, 1, 3, 1, 2, 2, 3] },
    };

    [Fact]
    public void Relu_keeps_nan_as_the_cpu_backend_does()
    {
        var x = Tensor.FromArray([float.NaN, -2f, 3f, float.NaN, -0.5f], [5]);
        var y = Ops.Relu(x.To(_gpu)).ToFloatArray();
        y.Should().Equal(Ops.Relu(x).ToFloatArray(), (a, b) => a.Equals(b), "NaN compared by Equals");
        float.IsNaN(y[0]).Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void Binary_ops_with_broadcasting(int[] aShape, int[] bShape)
    {
        var a = Rand(3, aShape);
        var b = Uniform(4, 0.5, 2, bShape); // away from zero for division
        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            var yShape = Shape.Broadcast(aShape, bShape);
            var aStrides = Shape.BroadcastStrides(aShape, yShape);
            var bStrides = Shape.BroadcastStrides(bShape, yShape);
            var y = Tensor.Zeros(yShape);
            var yg = ZerosOn(_gpu, yShape);
            Device.Cpu.Backend.Binary(op, a.Storage, aStrides, b.Storage, bStrides, y.Storage, yShape);
            _gpu.Backend.Binary(op, a.To(_gpu).Storage, aStrides, b.To(_gpu).Storage, bStrides, yg.Storage, yShape);
            yg.ShouldMatchElementwise(y, $"{op} {Shape.Format(aShape)} with {Shape.Format(bShape)}");
        }
    }

    [Fact]
    public void Affine_and_axpy()
    {
        var x = Rand(5, 37);
        var y = Rand(6, 37);
        var yg = y.To(_gpu);
        var outCpu = Tensor.ZerosLike(x);
        var outGpu = ZerosOn(_gpu, 37);
        Device.Cpu.Backend.Affine(x.Storage, outCpu.Storage, -1.5, 0.25);
        _gpu.Backend.Affine(x.To(_gpu).Storage, outGpu.Storage, -1.5, 0.25);
        // -1.5 x + 0.25 cancels where -1.5 x is near -0.25: a fused or a separate multiply-add differ by at most one rounding
        // of the product, u |1.5 x| (twice, one per side).
        outGpu.ShouldMatchElementwise(outCpu, "affine", atol: 2 * U * 1.5 * MaxAbs(x));
        Device.Cpu.Backend.Axpy(0.75, x.Storage, y.Storage);
        _gpu.Backend.Axpy(0.75, x.To(_gpu).Storage, yg.Storage);
        yg.ShouldMatchElementwise(y, "axpy", atol: 2 * U * 0.75 * MaxAbs(x));   // y + 0.75 x cancels likewise
    }

    [Fact]
    public void ScaleShift_reads_its_scalars_on_the_device_and_matches_affine_exactly()
    {
        var x = Rand(7, 41);
        var scale = Tensor.FromArray([-1.5f], [1]);
        var shift = Tensor.FromArray([0.25f], [1]);
        foreach (var withShift in new[] { true, false })
        {
            var outCpu = Tensor.ZerosLike(x);
            var outGpu = ZerosOn(_gpu, 41);
            var affine = Tensor.ZerosLike(x);
            Device.Cpu.Backend.ScaleShift(x.Storage, outCpu.Storage, scale.Storage, withShift ? shift.Storage : null);
            _gpu.Backend.ScaleShift(x.To(_gpu).Storage, outGpu.Storage, scale.To(_gpu).Storage, withShift ? shift.To(_gpu).Storage : null);
            Device.Cpu.Backend.Affine(x.Storage, affine.Storage, -1.5, withShift ? 0.25 : 0);
            outCpu.ToFloatArray().Should().Equal(affine.ToFloatArray(), "the same arithmetic as Affine");
            outGpu.ToFloatArray().Should().Equal(outCpu.ToFloatArray(), $"one multiply and one add per element (shift: {withShift})");
        }
    }

    [Theory]
    [InlineData(3, 7, 5)]     // a thread per output
    [InlineData(1, 700, 1)]   // a group per output (few outputs, long sums)
    [InlineData(2, 600, 3)]
    public void ReduceSum_over_the_middle_axis(int outer, int reduce, int inner)
    {
        var x = Rand(7, outer, reduce, inner);
        var y = Tensor.Zeros([outer, inner]);
        var yg = ZerosOn(_gpu, outer, inner);
        Device.Cpu.Backend.ReduceSum(x.Storage, y.Storage, outer, reduce, inner);
        _gpu.Backend.ReduceSum(x.To(_gpu).Storage, yg.Storage, outer, reduce, inner);
        yg.ShouldMatchNormwise(y, $"reduce ({outer}, {reduce}, {inner})", reduce);
    }

    public static TheoryData<int[], int[]> SumShapes => new()
    {
        { [2, 3, 4, 5], [1, 3, 1, 1] },
        { [2, 3, 4], [2, 1, 4] },
        { [3, 4], [1, 1] },
        { [3, 4], [3, 4] },
    };

    [Theory]
    [MemberData(nameof(SumShapes))]
    public void SumToShape_reduces_broadcast_axes(int[] xShape, int[] yShape)
    {
        var x = Rand(8, xShape);
        var y = Tensor.Zeros(yShape);
        var yg = ZerosOn(_gpu, yShape);
        Device.Cpu.Backend.SumToShape(x.Storage, xShape, y.Storage, yShape);
        _gpu.Backend.SumToShape(x.To(_gpu).Storage, xShape, yg.Storage, yShape);
        yg.ShouldMatchNormwise(y, $"sum {Shape.Format(xShape)} to {Shape.Format(yShape)}", (int)(x.Numel / y.Numel));
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 0, 1 })]
    [InlineData(new[] { 2, 3, 4, 5 }, new[] { 0, 2, 1, 3 })]
    [InlineData(new[] { 6, 5 }, new[] { 1, 0 })]
    public void Permute_float_and_int(int[] xShape, int[] perm)
    {
        var x = Rand(9, xShape);
        var yShape = perm.Select(p => xShape[p]).ToArray();
        var y = Tensor.Zeros(yShape);
        var yg = ZerosOn(_gpu, yShape);
        Device.Cpu.Backend.Permute(x.Storage, xShape, perm, y.Storage);
        _gpu.Backend.Permute(x.To(_gpu).Storage, xShape, perm, yg.Storage);
        yg.ShouldMatchElementwise(y, "permute float", Exact);

        var xi = Tensor.FromArray(Enumerable.Range(0, (int)x.Numel).ToArray(), xShape);
        var yi = Tensor.Zeros(yShape, DType.Int32);
        var ygi = Tensor.Zeros(yShape, DType.Int32, _gpu);
        Device.Cpu.Backend.Permute(xi.Storage, xShape, perm, yi.Storage);
        _gpu.Backend.Permute(xi.To(_gpu).Storage, xShape, perm, ygi.Storage);
        Assert.Equal(yi.ToIntArray(), ygi.ToIntArray());
    }
}
