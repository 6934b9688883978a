using System.Globalization;
using System.Text;
using Cac.Cli.Training;

namespace Cac.Cli.Reports;

/// <summary>
/// The text of a run's <c>report.md</c>: the Table-1 row, links to the figures, the settings, a per-epoch table and the
/// last epoch's per-layer sharp ratios (content-aware models). Pure text: <see cref="RunReport"/> writes it.
/// </summary>
internal static class MarkdownReport
{
    /// <summary>Builds the report of <paramref name="metrics"/>.</summary>
    /// <param name="metrics">The run so far (at least one finished epoch for the result tables).</param>
    /// <param name="context">Settings and constant costs.</param>
    /// <param name="figures">(file name, caption) of each figure written next to the report.</param>
    /// <param name="problems">Figures that could not be drawn, with the reason.</param>
    public static string Build(RunMetrics metrics, RunReportContext context, IReadOnlyList<(string File, string Caption)> figures,
        IReadOnlyList<string> problems)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# {metrics.Model} on {metrics.Dataset}\n\n");
        var epochs = metrics.Epochs;
        md.Append(CultureInfo.InvariantCulture, $"{epochs.Count} epoch(s) finished; this report is rewritten after every epoch.\n\n");

        if (epochs.Count > 0)
        {
            md.Append("## Result (the paper's Table 1)\n\n").Append(Table1Row.Header).Append('\n');
            var row = Table1Row.From(metrics, context);
            md.Append(row.Markdown()).Append("\n\n");
            md.Append("MAdds: multiply-adds per image of the convolution and linear layers (batch norm not counted)");
            md.Append(epochs[^1].Madds is not null
                ? ", content-aware layers at the sharp ratios measured over the last epoch's test pass"
                : "");
            if (row.StandardMadds is long standard)
                md.Append(CultureInfo.InvariantCulture,
                    $". Standard: {context.StandardModel ?? "the same network"} with standard convolutions, {Table1Row.Millions(standard)}M");
            md.Append(".\n\n");
            var best = epochs.MaxBy(e => e.TestAccuracy)!;
            md.Append(CultureInfo.InvariantCulture, $"Best test accuracy: {Table1Row.Percent(best.TestAccuracy, 2)} (epoch {best.Epoch}).\n\n");
            if (epochs[^1].TestTop5Accuracy is { } top5)
                md.Append(CultureInfo.InvariantCulture,
                    $"Last epoch's test error (as the paper's Table 2): top-1 {Table1Row.Percent(1 - epochs[^1].TestAccuracy, 2)}, top-5 {Table1Row.Percent(1 - top5, 2)}.\n\n");
        }

        if (figures.Count > 0 || problems.Count > 0)
        {
            md.Append("## Figures\n\n");
            foreach (var (file, caption) in figures) md.Append(CultureInfo.InvariantCulture, $"![{caption}]({file})\n\n");
            foreach (var problem in problems) md.Append(CultureInfo.InvariantCulture, $"- not drawn: {problem}\n");
            if (problems.Count > 0) md.Append('\n');
        }

        md.Append("## Settings\n\n| setting | value |\n|---|---|\n");
        foreach (var (name, value) in Settings(metrics, context)) md.Append(CultureInfo.InvariantCulture, $"| {name} | {Cell(value)} |\n");
        md.Append('\n');

        if (epochs.Count > 0)
        {
            bool cac = epochs.Any(e => e.Madds is not null);
            md.Append("## Per epoch\n\n| epoch | lr | train loss | train accuracy | test accuracy | time (s) | images/s |");
            md.Append(cac ? " MAdds (M) | MAdds vs baseline |\n" : "\n");
            md.Append("|---:|---:|---:|---:|---:|---:|---:|").Append(cac ? "---:|---:|\n" : "\n");
            foreach (var e in epochs)
            {
                md.Append(CultureInfo.InvariantCulture,
                    $"| {e.Epoch} | {e.LearningRate:G4} | {e.TrainLoss:F4} | {Table1Row.Percent(e.TrainAccuracy, 2)} | " +
                    $"{Table1Row.Percent(e.TestAccuracy, 2)} | {e.Seconds:F1} | {e.ImagesPerSecond:F0} |");
                if (cac)
                    md.Append(CultureInfo.InvariantCulture,
                        $" {(e.Madds is long m ? Table1Row.Millions(m) : "n/a")} | {(e.MaddsRatio is double r ? Table1Row.Percent(r, 1) : "n/a")} |");
                md.Append('\n');
            }
            md.Append('\n');
        }

        var ratios = epochs.Count > 0 ? epochs[^1].SharpRatios : null;
        if (ratios is { Count: > 0 })
        {
            md.Append(CultureInfo.InvariantCulture, $"## Sharp ratio per content-aware layer (epoch {epochs[^1].Epoch}, test pass)\n\n");
            md.Append("Fraction of each layer's windows that take the full k x k convolution; the others take the 1 x 1 path.\n\n");
            md.Append("| layer | sharp ratio |\n|---|---:|\n");
            foreach (var (layer, ratio) in ratios)
                md.Append(CultureInfo.InvariantCulture, $"| {layer} | {ratio:F4} |\n");
            md.Append(CultureInfo.InvariantCulture, $"| mean | {ratios.Values.Average():F4} |\n\n");
        }
        return md.ToString();
    }

    // The run's own fields first, then the settings of the context that are not already shown.
    private static IEnumerable<(string Name, string Value)> Settings(RunMetrics metrics, RunReportContext context)
    {
        var own = new List<(string, string)>
        {
            ("model", metrics.Model),
            ("dataset", metrics.Dataset),
            ("parameters", metrics.Parameters.ToString("N0", CultureInfo.InvariantCulture)),
            ("seed", metrics.Seed.ToString(CultureInfo.InvariantCulture)),
            ("batch size", metrics.BatchSize.ToString(CultureInfo.InvariantCulture)),
        };
        var shown = own.Select(o => o.Item1).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return own.Concat(context.Settings.Where(s => !shown.Contains(s.Key)).Select(s => (s.Key, s.Value)));
    }

    // A table cell: pipes escaped, line breaks flattened.
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
