using System.Text.Json;
using Cac.Cli.Bench;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac bench`'s summary statistics (<see cref="Timing.Summarize(double[])"/>) and how results carry them.</summary>
public class BenchTimingTests
{
    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_two_middle_times()
    {
        var rng = new Random(1);
        for (int trial = 0; trial < 200; trial++)
        {
            var times = Enumerable.Range(0, 2 + 2 * (trial % 10)).Select(_ => rng.NextDouble() * Math.Pow(10, rng.Next(-6, 1))).ToArray();
            var sorted = times.Order().ToArray();
            int k = times.Length / 2;
            Timing.Summarize(times).Median.Should().Be((sorted[k - 1] + sorted[k]) / 2, $"times {string.Join(", ", times)}");
        }
    }

    [Fact]
    public void The_median_of_an_odd_count_is_the_middle_time()
    {
        var rng = new Random(2);
        for (int trial = 0; trial < 50; trial++)
        {
            var times = Enumerable.Range(0, 1 + 2 * (trial % 8)).Select(_ => rng.NextDouble()).ToArray();
            Timing.Summarize(times).Median.Should().Be(times.Order().ElementAt(times.Length / 2));
        }
    }

    [Fact]
    public void Quartiles_follow_the_r8_definition()
    {
        // R8 on n sorted values: h = (n + 1/3) p + 1/3 (1-based), interpolated between the neighbouring order statistics.
        // n = 4, p = 1/4: h = 17/12, so 1 + 5/12; p = 3/4: h = 43/12, so 3 + 7/12.
        var s = Timing.Summarize([4.0, 1.0, 3.0, 2.0]);
        s.Median.Should().Be(2.5);
        s.LowerQuartile.Should().BeApproximately(1 + 5.0 / 12, 1e-15);
        s.UpperQuartile.Should().BeApproximately(3 + 7.0 / 12, 1e-15);
        // n = 7, p = 1/4: h = 2.1667, between the 2nd and 3rd values; p = 3/4: h = 5.8333.
        var seven = Timing.Summarize([10.0, 70, 20, 60, 30, 50, 40]);
        seven.Median.Should().Be(40);
        seven.LowerQuartile.Should().BeApproximately(20 + 10.0 / 6, 1e-12);
        seven.UpperQuartile.Should().BeApproximately(50 + 50.0 / 6, 1e-12);
    }

    [Fact]
    public void One_run_is_its_own_median_and_quartiles_and_the_input_keeps_its_order()
    {
        Timing.Summarize([0.25]).Should().Be(new TimingSummary(0.25, 0.25, 0.25));
        var times = new[] { 3.0, 1.0, 2.0 };
        Timing.Summarize(times);
        times.Should().Equal(3.0, 1.0, 2.0);
        var act = () => Timing.Summarize(Array.Empty<double>());
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Summarize_times_every_action_once_per_round()
    {
        int first = 0, second = 0;
        var summaries = Timing.Summarize([() => first++, () => second++], warmup: 2, repeats: 5);
        summaries.Should().HaveCount(2);
        first.Should().Be(7);
        second.Should().Be(7);
        summaries.Should().OnlyContain(s => s.LowerQuartile <= s.Median && s.Median <= s.UpperQuartile);
    }

    [Fact]
    public void A_rate_takes_its_quartiles_from_the_time_quartiles_in_ascending_order()
    {
        var r = BenchResult.FromTiming("x_img_s", new TimingSummary(0.5, 0.25, 1.0), t => 128 / t, "img/s");
        r.Should().Be(new BenchResult("x_img_s", 256, "img/s", 128, 512));
        r.QuartileText("F1").Should().Be("  (quartiles 128.0 - 512.0)");
        new BenchResult("y", 1, "x").QuartileText("F1").Should().BeEmpty();
    }

    [Fact]
    public void Json_keeps_name_value_and_unit_and_adds_the_quartiles_only_when_present()
    {
        JsonSerializer.Serialize(new BenchResult("a", 1.5, "ms")).Should().Be("""{"name":"a","value":1.5,"unit":"ms"}""");
        JsonSerializer.Serialize(new BenchResult("a", 1.5, "ms", 1.25, 2))
            .Should().Be("""{"name":"a","value":1.5,"unit":"ms","lower_quartile":1.25,"upper_quartile":2}""");
        // bench/pytorch_reference.py prints the three fields only.
        var parsed = JsonSerializer.Deserialize<List<BenchResult>>("""[{"name": "b", "value": 2.0, "unit": "img/s"}]""")!;
        parsed.Should().Equal(new BenchResult("b", 2.0, "img/s"));
    }
}
