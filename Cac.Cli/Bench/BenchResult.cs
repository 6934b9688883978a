using System.Text.Json.Serialization;

namespace Cac.Cli.Bench;

/// <summary>
/// One benchmark measurement, as `cac bench --json` and bench/pytorch_reference.py print it: name, value and unit, and,
/// for a value computed from one timing (<see cref="Timing.Summarize(Action, int, int)"/>), the same value at the
/// timing's lower and upper quartiles (omitted from the JSON when absent).
/// </summary>
/// <param name="Name">What was measured.</param>
/// <param name="Value">The measurement (from the median time where it is timed).</param>
/// <param name="Unit">The unit of <paramref name="Value"/>.</param>
/// <param name="LowerQuartile">The smaller of the value at the lower and at the upper quartile time, or null.</param>
/// <param name="UpperQuartile">The larger of the two, or null.</param>
public sealed record BenchResult(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("lower_quartile"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LowerQuartile = null,
    [property: JsonPropertyName("upper_quartile"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? UpperQuartile = null)
{
    /// <summary>
    /// A result computed from a timing by <paramref name="valueOf"/> (seconds to the reported value: a rate, milliseconds):
    /// the value at the median time, with the values at the quartile times in ascending order (a rate falls as time grows).
    /// </summary>
    public static BenchResult FromTiming(string name, TimingSummary seconds, Func<double, double> valueOf, string unit)
    {
        double atLower = valueOf(seconds.LowerQuartile), atUpper = valueOf(seconds.UpperQuartile);
        return new BenchResult(name, valueOf(seconds.Median), unit, Math.Min(atLower, atUpper), Math.Max(atLower, atUpper));
    }

    /// <summary>
    /// The quartiles for a text line, "  (quartiles LOW - HIGH)" with both in <paramref name="format"/>, or "" when the
    /// result has none.
    /// </summary>
    public string QuartileText(string format) => LowerQuartile is { } low && UpperQuartile is { } high
        ? $"  (quartiles {low.ToString(format)} - {high.ToString(format)})"
        : "";
}
