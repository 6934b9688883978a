using MathNet.Numerics.Distributions;

namespace Cac.Tests;

/// <summary>
/// Goodness-of-fit tests of seeded random draws against their stated distribution (MathNet.Numerics supplies the CDFs and
/// the chi-square quantiles), each at significance level <see cref="Alpha"/>: a correct sampler fails one check with
/// probability about alpha, and the seeds are fixed, so a passing test keeps passing.
/// </summary>
internal static class GoodnessOfFit
{
    /// <summary>The significance level of every check: the probability that a correct sampler's draws are rejected.</summary>
    public const double Alpha = 1e-3;

    /// <summary>The Kolmogorov-Smirnov statistic D_n = sup over x of |F_n(x) - F(x)|, F_n the samples' empirical CDF.</summary>
    public static double KolmogorovSmirnov(IEnumerable<double> samples, IContinuousDistribution distribution)
    {
        var sorted = samples.Order().ToArray();
        double n = sorted.Length, d = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            double f = distribution.CumulativeDistribution(sorted[i]);
            d = Math.Max(d, Math.Max((i + 1) / n - f, f - i / n));
        }
        return d;
    }

    /// <summary>
    /// The critical value of D_n at <paramref name="alpha"/> for a fully specified continuous distribution: the Kolmogorov
    /// distribution's tail P(sqrt(n) D_n &gt; t) ~ 2 exp(-2 t^2) solved for t (at alpha = 1e-3 the series' next term,
    /// 2 exp(-8 t^2), is below 1e-12), with Stephens' finite-sample correction: sqrt(n) replaced by
    /// sqrt(n) + 0.12 + 0.11 / sqrt(n).
    /// </summary>
    public static double KolmogorovSmirnovCritical(int n, double alpha = Alpha) =>
        Math.Sqrt(Math.Log(2 / alpha) / 2) / (Math.Sqrt(n) + 0.12 + 0.11 / Math.Sqrt(n));

    /// <summary>Fails unless the samples pass the Kolmogorov-Smirnov test against <paramref name="distribution"/>.</summary>
    public static void AssertFollows(IReadOnlyCollection<double> samples, IContinuousDistribution distribution, string what)
    {
        double d = KolmogorovSmirnov(samples, distribution), critical = KolmogorovSmirnovCritical(samples.Count);
        if (!(d <= critical))
            throw new Xunit.Sdk.XunitException(
                $"{what}: {samples.Count} samples do not follow {distribution}: Kolmogorov-Smirnov D = {d:g4} > {critical:g4} (alpha {Alpha})");
    }

    /// <summary>
    /// Pearson's chi-square statistic of category counts against the categories' probabilities, sum (O - E)^2 / E.
    /// </summary>
    public static double ChiSquare(IReadOnlyList<long> observed, IReadOnlyList<double> probabilities)
    {
        if (observed.Count != probabilities.Count) throw new ArgumentException("one probability per category");
        double total = observed.Sum(), statistic = 0;
        for (int i = 0; i < observed.Count; i++)
        {
            double expected = total * probabilities[i];
            statistic += (observed[i] - expected) * (observed[i] - expected) / expected;
        }
        return statistic;
    }

    /// <summary>
    /// Fails unless the counts pass the chi-square goodness-of-fit test, k categories, k - 1 degrees of freedom; the
    /// critical value is MathNet's <see cref="ChiSquared.InvCDF"/> at 1 - alpha. Every expected count should be 5 or more.
    /// </summary>
    public static void AssertCounts(IReadOnlyList<long> observed, IReadOnlyList<double> probabilities, string what)
    {
        double statistic = ChiSquare(observed, probabilities);
        double critical = ChiSquared.InvCDF(observed.Count - 1, 1 - Alpha);
        if (!(statistic <= critical))
            throw new Xunit.Sdk.XunitException(
                $"{what}: counts [{string.Join(", ", observed)}] do not fit the probabilities: chi-square {statistic:g4} > {critical:g4} " +
                $"({observed.Count - 1} degrees of freedom, alpha {Alpha})");
    }

    /// <summary>
    /// Fails unless <paramref name="successes"/> out of <paramref name="trials"/> passes the two-sided exact binomial test
    /// for success probability <paramref name="p"/>: P(X &lt;= successes) and P(X &gt;= successes) must both exceed alpha / 2
    /// (MathNet's <see cref="Binomial.CDF"/>).
    /// </summary>
    public static void AssertBinomial(long successes, int trials, double p, string what)
    {
        double atMost = Binomial.CDF(p, trials, successes);
        double atLeast = successes == 0 ? 1 : 1 - Binomial.CDF(p, trials, successes - 1);
        if (!(Math.Min(atMost, atLeast) > Alpha / 2))
            throw new Xunit.Sdk.XunitException(
                $"{what}: {successes} of {trials} (rate {successes / (double)trials:g4}) is unlikely for p = {p}: " +
                $"P(X <= {successes}) = {atMost:g3}, P(X >= {successes}) = {atLeast:g3}, alpha {Alpha}");
    }
}
