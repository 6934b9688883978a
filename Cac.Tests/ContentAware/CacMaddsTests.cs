using Cac.Madds;
using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

/// <summary>MAdds of content-aware layers: (rho + (1 - rho)/k^2) * Omega + 13 * Ho * Wo with the rho of the counted pass.</summary>
public class CacMaddsTests
{
    // Sets beta so that exactly sharpWindows of the score map's windows have G + beta > 0 (gamma = 1): the midpoint
    // between the sharpWindows-th and the next largest G.
    private static void ForceSharpWindows(ContentAwareConv2d cac, Tensor x, int sharpWindows)
    {
        var scoreMap = Ops.CacScoreMap(x, cac.KernelSize, cac.Stride, cac.Padding, cac.Dilation).ToDoubleArray()
            .OrderByDescending(v => v).ToArray();
        scoreMap[sharpWindows - 1].Should().BeGreaterThan(scoreMap[sharpWindows], "the threshold must separate distinct scores");
        cac.Beta.CopyFrom(Tensor.Full([1], -(scoreMap[sharpWindows - 1] + scoreMap[sharpWindows]) / 2, DType.Float32));
    }

    [Theory]
    [InlineData(1, 8, 32)]    // 2 x 8 x 8 windows, a quarter sharp
    [InlineData(2, 4, 13)]    // stride 2: 2 x 4 x 4 windows
    [InlineData(1, 8, 128)]   // all sharp
    [InlineData(1, 8, 0)]     // all smooth
    public void A_layer_at_a_forced_sharp_ratio_costs_the_formula(int stride, int outSize, int sharpWindows)
    {
        var cac = new ContentAwareConv2d(3, 5, 3, stride: stride, padding: 1, bias: false, generator: new Generator(1));
        var x = RandF(2, 2, 3, 8, 8);
        int windows = 2 * outSize * outSize;
        if (sharpWindows == 0) cac.Beta.CopyFrom(Tensor.Full([1], -1e6, DType.Float32));
        else if (sharpWindows < windows) ForceSharpWindows(cac, x, sharpWindows);

        IReadOnlyList<(Module Layer, double Madds)> entries;
        using (var scope = MaddsScope.Begin())
        {
            cac.Forward(x);
            entries = scope.Entries;
        }

        double rho = (double)sharpWindows / windows;
        cac.LastSharpRatio.Should().Be(rho);
        double omega = 3.0 * 5 * 3 * 3 * outSize * outSize;
        double expected = (rho + (1 - rho) / 9) * omega + 13.0 * outSize * outSize;
        entries.Should().ContainSingle().Which.Layer.Should().BeSameAs(cac);
        entries[0].Madds.Should().BeApproximately(expected, 1e-9 * expected);
    }

    [Fact]
    public void A_counting_pass_does_not_touch_the_accumulated_sharp_ratio()
    {
        var cac = new ContentAwareConv2d(3, 4, 3, padding: 1, generator: new Generator(3));
        var x = RandF(4, 2, 3, 8, 8);
        ForceSharpWindows(cac, x, 40);
        cac.Forward(x);
        (cac.SharpCount, cac.PositionCount).Should().Be((40L, 128L));

        var report = MaddsCounter.Count(new Sequential(cac), RandF(5, 1, 3, 8, 8));
        report.Layers.Should().ContainSingle().Which.Type.Should().Be(nameof(ContentAwareConv2d));
        (cac.SharpCount, cac.PositionCount).Should().Be((40L, 128L), "counting MAdds is not part of a measured pass");
        cac.LastSharpRatio.Should().NotBe(40 / 128.0, "the counting pass saw another input, and LastSharpRatio describes the last call");
    }

    [Fact]
    public void Counting_over_several_batches_averages_per_sample()
    {
        var cac = new ContentAwareConv2d(3, 4, 3, padding: 1, bias: false, generator: new Generator(6));
        var a = RandF(7, 3, 3, 8, 8);
        var b = RandF(8, 1, 3, 8, 8);
        ForceSharpWindows(cac, a, 96);   // rho = 0.5 on a; the same beta leaves some other share of b sharp
        var model = new Sequential(cac);
        MaddsCounter.Count(model, a);
        double rhoA = cac.LastSharpRatio;
        MaddsCounter.Count(model, b);
        double rhoB = cac.LastSharpRatio;
        rhoA.Should().Be(0.5);
        rhoB.Should().NotBe(rhoA);
        double Cost(double rho) => (rho + (1 - rho) / 9) * (3.0 * 4 * 9 * 64) + 13.0 * 64;
        MaddsCounter.Count(model, new[] { a, b }).Layers[0].Madds.Should().Be((long)Math.Round((3 * Cost(rhoA) + Cost(rhoB)) / 4));
    }
}
