using Cac.Nn;
using FluentAssertions;
using MathNet.Numerics.Distributions;
using Xunit;

namespace Cac.Tests.Nn;

/// <summary>
/// Each initialiser of <see cref="Init"/> draws from the distribution its documentation states: a Kolmogorov-Smirnov
/// test of the whole filled tensor against MathNet's CDF (<see cref="GoodnessOfFit"/>), with the scale written out from
/// the documented formula (not from <see cref="Init.CalculateGain"/>). Uniform initialisers also stay inside their bounds.
/// </summary>
public class InitDistributionTests
{
    // A conv weight (Cout 64, Cin 32, 3 x 3): fan_in = 32 * 9 = 288, fan_out = 64 * 9 = 576.
    private static readonly int[] Conv = [64, 32, 3, 3];
    private const double FanIn = 288, FanOut = 576;

    private sealed record Case(int[] Shape, DType DType, Func<Tensor, Generator, Tensor> Fill, IContinuousDistribution Expected);

    private static ContinuousUniform Symmetric(double bound) => new(-bound, bound);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // Kaiming uniform: U(-b, b), b = gain sqrt(3 / fan), gain sqrt(2 / (1 + a^2)) for the default leaky ReLU.
        ["kaiming uniform, a = 0, fan_in"] = new(Conv, DType.Float32,
            (t, rng) => Init.KaimingUniform(t, generator: rng), Symmetric(Math.Sqrt(6 / FanIn))),
        ["kaiming uniform, a = sqrt 5 (PyTorch's conv default): b = 1/sqrt(fan_in)"] = new(Conv, DType.Float64,
            (t, rng) => Init.KaimingUniform(t, Math.Sqrt(5), generator: rng), Symmetric(1 / Math.Sqrt(FanIn))),
        ["kaiming uniform, fan_out, relu"] = new(Conv, DType.Float32,
            (t, rng) => Init.KaimingUniform(t, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: rng),
            Symmetric(Math.Sqrt(2) * Math.Sqrt(3 / FanOut))),
        // Kaiming normal: N(0, std^2), std = gain / sqrt(fan); the default is fan_out with the ReLU gain sqrt(2).
        ["kaiming normal, defaults (fan_out, relu)"] = new(Conv, DType.Float32,
            (t, rng) => Init.KaimingNormal(t, generator: rng), new Normal(0, Math.Sqrt(2 / FanOut))),
        ["kaiming normal fan_out relu (torchvision's ResNets)"] = new(Conv, DType.Float64,
            (t, rng) => Init.KaimingNormalFanOutRelu(t, rng), new Normal(0, Math.Sqrt(2 / FanOut))),
        ["kaiming normal, fan_in, tanh (gain 5/3)"] = new(Conv, DType.Float32,
            (t, rng) => Init.KaimingNormal(t, mode: FanMode.FanIn, nonlinearity: Nonlinearity.Tanh, generator: rng),
            new Normal(0, 5.0 / 3 / Math.Sqrt(FanIn))),
        ["kaiming normal, fan_in, leaky relu 0.2"] = new(Conv, DType.Float32,
            (t, rng) => Init.KaimingNormal(t, 0.2, FanMode.FanIn, Nonlinearity.LeakyRelu, rng),
            new Normal(0, Math.Sqrt(2 / (1 + 0.2 * 0.2)) / Math.Sqrt(FanIn))),
        ["kaiming normal, linear (200, 100), fan_in, gain 1"] = new([200, 100], DType.Float32,
            (t, rng) => Init.KaimingNormal(t, mode: FanMode.FanIn, nonlinearity: Nonlinearity.Linear, generator: rng),
            new Normal(0, 1 / Math.Sqrt(100))),
        ["normal(0.5, 2)"] = new([150, 120], DType.Float32, (t, rng) => Init.Normal(t, 0.5, 2, rng), new Normal(0.5, 2)),
        ["uniform(-0.3, 0.7)"] = new([150, 120], DType.Float64, (t, rng) => Init.Uniform(t, -0.3, 0.7, rng), new ContinuousUniform(-0.3, 0.7)),
    };

    public static TheoryData<string> Names() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Draws_from_the_stated_distribution(string name)
    {
        var c = Cases[name];
        var t = Tensor.Zeros(c.Shape, c.DType);
        c.Fill(t, new Generator(name.Sum(ch => ch))).Should().BeSameAs(t);
        var values = t.ToDoubleArray();
        if (c.Expected is ContinuousUniform u)
            values.Should().OnlyContain(v => v >= u.LowerBound && v <= u.UpperBound, $"{name}: U({u.LowerBound}, {u.UpperBound})");
        GoodnessOfFit.AssertFollows(values, c.Expected, name);
    }

    [Fact]
    public void The_test_tells_a_wrong_scale_from_the_right_one()
    {
        // The same draws as the torchvision case, against two mistakes an initialiser could make: fan_in instead of
        // fan_out (a scale off by sqrt 2) and a std 20% too large. D must exceed the critical value in both.
        var t = Init.KaimingNormalFanOutRelu(Tensor.Zeros(Conv, DType.Float64), new Generator(7));
        var values = t.ToDoubleArray();
        double critical = GoodnessOfFit.KolmogorovSmirnovCritical(values.Length);
        GoodnessOfFit.KolmogorovSmirnov(values, new Normal(0, Math.Sqrt(2 / FanOut))).Should().BeLessThan(critical);
        GoodnessOfFit.KolmogorovSmirnov(values, new Normal(0, Math.Sqrt(2 / FanIn))).Should().BeGreaterThan(critical);
        GoodnessOfFit.KolmogorovSmirnov(values, new Normal(0, 1.2 * Math.Sqrt(2 / FanOut))).Should().BeGreaterThan(critical);
    }
}
