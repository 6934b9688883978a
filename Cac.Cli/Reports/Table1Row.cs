using System.Globalization;
using Cac.Cli.Training;

namespace Cac.Cli.Reports;

/// <summary>
/// A run's row of the paper's Table 1: <c>| model | MAdds (M) | MAdds vs standard | test accuracy |</c>, from the last
/// finished epoch. A content-aware model costs what its last test pass measured (MAdds at the accumulated sharp ratios);
/// any other model costs its constant MAdds. "Standard" is the same architecture with standard convolutions.
/// </summary>
/// <param name="Model">The model name.</param>
/// <param name="Madds">Per-image MAdds (null when unknown).</param>
/// <param name="StandardMadds">Per-image MAdds of the standard-conv model (null when unknown).</param>
/// <param name="TestAccuracy">Test accuracy in [0, 1].</param>
public sealed record Table1Row(string Model, long? Madds, long? StandardMadds, double TestAccuracy)
{
    /// <summary>The header and alignment lines of the table.</summary>
    public const string Header = "| model | MAdds (M) | MAdds vs standard | test accuracy |\n|---|---:|---:|---:|";

    /// <summary>MAdds / standard MAdds, or null when either is unknown.</summary>
    public double? Ratio => Madds is long m && StandardMadds is long s && s > 0 ? (double)m / s : null;

    /// <summary>The row of the last epoch of <paramref name="metrics"/> (which must have one).</summary>
    public static Table1Row From(RunMetrics metrics, RunReportContext context)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(context);
        if (metrics.Epochs.Count == 0) throw new ArgumentException("Table1Row: the run has no finished epoch yet", nameof(metrics));
        var last = metrics.Epochs[^1];
        return new Table1Row(metrics.Model, last.Madds ?? context.ModelMadds, context.StandardMadds ?? last.MaddsBaseline, last.TestAccuracy);
    }

    /// <summary>The Markdown row, e.g. <c>| cac-resnet20 | 31.20 | 76.4% | 91.23% |</c>.</summary>
    public string Markdown() =>
        $"| {Model} | {(Madds is long m ? Millions(m) : "n/a")} | {(Ratio is double r ? Percent(r, 1) : "n/a")} | {Percent(TestAccuracy, 2)} |";

    /// <summary>MAdds in millions with two decimals: 40813184 reads "40.81".</summary>
    public static string Millions(double madds) => (madds / 1e6).ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>A fraction as a percentage: 0.7645 with one decimal reads "76.5%".</summary>
    public static string Percent(double fraction, int decimals) =>
        (100 * fraction).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "%";
}
