using Cac.Nn;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.PyTorch;

/// <summary>
/// The cost-aware objective L = CE * (c(M) / c_base)^lambda (docs/design.md 2.8-2.9) on a tiny CAC network, against the
/// PyTorch implementation in fixtures/make_cac_fixtures.py: value, cost ratio, per-layer sharp ratios (exactly), and the
/// gradient of every parameter, gamma and beta included (straight-through through the masks and the sharp ratios).
/// </summary>
[Trait("Category", "PyTorchFixture")]
public class CacCostObjectiveFixtureTests
{
    [Theory]
    [InlineData(CacPath.Sparse, DType.Float32)]
    [InlineData(CacPath.Dense, DType.Float32)]
    [InlineData(CacPath.Sparse, DType.Float64)]
    [InlineData(CacPath.Dense, DType.Float64)]
    public void Objective_and_gradients_match_pytorch(CacPath path, DType dtype)
    {
        var fx = FixtureFile.LoadPrecise("cac_cost_objective");
        string ctx = $" ({path}, {dtype.Name()})";
        // x: (2, 3, 8, 8) -> CAC 3->4 (8 x 8) -> ReLU -> CAC 4->6 stride 2 (4 x 4) -> ReLU -> pool -> flatten -> Linear 6->5
        var first = new ContentAwareConv2d(3, 4, 3, 1, 1, bias: true, path: path, generator: new Generator(1));
        var second = new ContentAwareConv2d(4, 6, 3, 2, 1, bias: false, path: path, generator: new Generator(2));
        var model = new Sequential(first, new ReLU(), second, new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(6, 5, generator: new Generator(3)));
        model.To(dtype);
        model.LoadStateDict(model.StateDict().Keys.ToDictionary(k => k, k => fx.Tensor(k, dtype)));   // strict

        var objective = CostAwareObjective.For(model, [1, 3, 8, 8], fx.Double("lambda"));
        objective.ConstantMadds.Should().BeApproximately(fx.Double("constants"), 1e-9);
        objective.BaselineMadds.Should().BeApproximately(fx.Double("baseline"), 1e-9);

        var loss = Ops.CrossEntropy(model.Forward(fx.Tensor("x", dtype)), fx.Labels("labels"));
        new[] { first.LastSharpRatio, second.LastSharpRatio }.Should().Equal(fx.Data("sharp_ratios"));
        var total = objective.Loss(loss);
        // Bounds (FixtureBound.Sums, in the dtype under test against the float64 reference), the reduction lengths along the
        // longest chain: forward CAC 3 x 9 + 1, CAC 4 x 9 + 1, the 4 x 4 pool, the Linear's 6 + 1 and cross-entropy over 5
        // classes and 2 rows, the cost ratio's sums: 100. The backward adds the Linear and the pool, the second layer's
        // input gradient (7 x 9) and the first's weight gradient (2 x 64) or the straight-through sums behind gamma and
        // beta (2 x 4 x 64): 100 + 12 + 63 + 512 = 687, so 700 for every gradient.
        fx.AssertClose("loss", loss.Reshape(), FixtureBound.Sums(100), ctx);
        fx.AssertClose("cost_ratio", objective.CostRatio().Reshape(), FixtureBound.Sums(100), ctx);
        fx.AssertClose("objective", total.Reshape(), FixtureBound.Sums(100), ctx);

        total.Backward();
        foreach (var (name, p) in model.NamedParameters())
            fx.AssertClose(name + ".grad", p.Grad, FixtureBound.Sums(700), ctx);
        Math.Abs(first.Beta.Grad!.Item()).Should().BeGreaterThan(1e-3, "the threshold learns");
    }
}
