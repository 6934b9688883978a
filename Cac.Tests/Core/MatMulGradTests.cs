using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class MatMulGradTests
{
    [Trait("Category", "GradCheck")]
    [Fact]
    public void MatMul()
    {
        var a = RandD(1, 3, 4);
        var b = RandD(2, 4, 5);
        GradCheck.Check(() => Ops.MatMul(a, b), [a, b]).Passed.Should().BeTrue();
    }

    [Trait("Category", "GradCheck")]
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Gemm_with_transposes(bool transA, bool transB)
    {
        const int m = 3, k = 4, n = 5;
        var a = transA ? RandD(3, k, m) : RandD(3, m, k);
        var b = transB ? RandD(4, n, k) : RandD(4, k, n);
        var result = GradCheck.Check(() => Ops.Gemm(a, transA, b, transB), [a, b]);
        result.Passed.Should().BeTrue(result.Report);
    }

    [Fact]
    public void Gemm_result_matches_explicit_products()
    {
        // op(a) @ op(b) for all flags equals the plain product of the materialised operands.
        var a = RandD(5, 3, 4).Detach();
        var b = RandD(6, 4, 2).Detach();
        var expected = Ops.MatMul(a, b).ToDoubleArray();
        var aT = Ops.Permute(a, [1, 0]);
        var bT = Ops.Permute(b, [1, 0]);
        foreach (var (x, ta, y, tb) in new[] { (a, false, b, false), (aT, true, b, false), (a, false, bT, true), (aT, true, bT, true) })
            Ops.Gemm(x, ta, y, tb).ToDoubleArray().Should().Equal(expected, (p, q) => Math.Abs(p - q) < 1e-12);
    }

    [Trait("Category", "GradCheck")]
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear(bool withBias)
    {
        var x = RandD(7, 3, 4);
        var w = RandD(8, 2, 4);
        var bias = withBias ? RandD(9, 2) : null;
        Tensor[] inputs = bias is null ? [x, w] : [x, w, bias];
        var result = GradCheck.Check(() => Ops.Linear(x, w, bias), inputs);
        result.Passed.Should().BeTrue(result.Report);
    }

    [Fact]
    public void Matmul_inner_dimension_mismatch_names_both_shapes()
    {
        var act = () => Ops.MatMul(Tensor.Zeros([2, 3]), Tensor.Zeros([4, 5]));
        act.Should().Throw<ArgumentException>().Where(e => e.Message.Contains("(2, 3)") && e.Message.Contains("(4, 5)"));
    }
}
