using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

/// <summary>
/// <see cref="Ops.Dropout"/>'s mask as a random variable (<see cref="GoodnessOfFit"/>, MathNet's binomial and
/// chi-square distributions): each element is kept independently with probability 1 - p, wherever it sits and whatever
/// the previous mask was, and a kept element is x times 1/(1 - p) rounded once to the dtype.
/// </summary>
public class DropoutDistributionTests
{
    private const int Rows = 64, Cols = 1000, Blocks = 32;

    public static TheoryData<double, bool> Rates() => new()
    {
        { 0.1, false }, { 0.5, false }, { 0.8, false }, { 0.3, true },
    };

    [Theory]
    [MemberData(nameof(Rates))]
    public void Keeps_a_binomial_count_spread_evenly_and_scales_what_it_keeps(double p, bool isDouble)
    {
        var dtype = isDouble ? DType.Float64 : DType.Float32;
        var x = Tensor.RandN([Rows, Cols], new Generator(1), dtype: dtype);
        var xs = x.ToDoubleArray();
        xs.Should().NotContain(0.0, "a zero input would hide whether it was kept");
        var ys = Ops.Dropout(x, p, training: true, new Generator(2)).ToDoubleArray();

        double keep = isDouble ? 1 / (1 - p) : (float)(1 / (1 - p));
        for (int i = 0; i < ys.Length; i++)
        {
            double scaled = isDouble ? xs[i] * keep : (float)xs[i] * (float)keep;
            if (ys[i] != 0 && ys[i] != scaled)
                throw new Xunit.Sdk.XunitException($"element {i}: x {xs[i]:R} became {ys[i]:R}, neither 0 nor x / (1 - p) = {scaled:R}");
        }
        var kept = ys.Select(v => v != 0).ToArray();
        GoodnessOfFit.AssertBinomial(kept.LongCount(k => k), kept.Length, 1 - p, $"kept elements, p = {p}");

        // The same rate in every block of consecutive elements: chi-square over (block, kept or dropped), the block sizes fixed.
        int block = kept.Length / Blocks;
        var observed = new long[2 * Blocks];
        for (int i = 0; i < kept.Length; i++) observed[2 * (i / block) + (kept[i] ? 0 : 1)]++;
        var probabilities = Enumerable.Range(0, 2 * Blocks).Select(c => (c % 2 == 0 ? 1 - p : p) / Blocks).ToArray();
        AssertBlocks(observed, probabilities, p);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.2)]
    public void Neighbours_and_successive_masks_are_independent(double p)
    {
        // Pairs (element i, element i + 1) of one mask and (element i of one call, element i of the next call) fall in the
        // four cells kept/kept, kept/dropped, dropped/kept, dropped/dropped with probabilities q^2, q p, p q, p^2.
        var x = Tensor.Ones([Rows * Cols]);
        var generator = new Generator(3);
        var first = Ops.Dropout(x, p, true, generator).ToFloatArray().Select(v => v != 0).ToArray();
        var second = Ops.Dropout(x, p, true, generator).ToFloatArray().Select(v => v != 0).ToArray();
        double q = 1 - p;
        double[] cells = [q * q, q * p, p * q, p * p];
        static int Cell(bool a, bool b) => (a ? 0 : 2) + (b ? 0 : 1);

        var neighbours = new long[4];
        for (int i = 0; i + 1 < first.Length; i += 2) neighbours[Cell(first[i], first[i + 1])]++;
        GoodnessOfFit.AssertCounts(neighbours, cells, $"neighbouring elements, p = {p}");
        var successive = new long[4];
        for (int i = 0; i < first.Length; i++) successive[Cell(first[i], second[i])]++;
        GoodnessOfFit.AssertCounts(successive, cells, $"successive masks, p = {p}");
    }

    // Pearson's test of homogeneity with known p: sum over blocks of (kept - m q)^2 / (m q p) is chi-square with one degree
    // of freedom per block (the blocks' sizes are fixed), which is what the 2 x Blocks cell statistic equals.
    private static void AssertBlocks(long[] observed, double[] probabilities, double p)
    {
        double statistic = GoodnessOfFit.ChiSquare(observed, probabilities);
        double critical = MathNet.Numerics.Distributions.ChiSquared.InvCDF(Blocks, 1 - GoodnessOfFit.Alpha);
        statistic.Should().BeLessThanOrEqualTo(critical, $"p = {p}: the kept rate must not depend on the position ({Blocks} blocks)");
    }
}
