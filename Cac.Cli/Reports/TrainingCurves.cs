using Cac.Cli.Training;
using ScottPlot;
using ScottPlot.MultiplotLayouts;

namespace Cac.Cli.Reports;

/// <summary>
/// The per-epoch charts of a training run: <c>curves.png</c> (train loss; train and test accuracy) and, for content-aware
/// models, <c>madds.png</c> (MAdds per sample over the test pass against the standard-conv baseline). Points carry
/// markers while there are few epochs, so a one-epoch run still shows its values.
/// </summary>
internal static class TrainingCurves
{
    /// <summary>File name of the loss and accuracy chart.</summary>
    public const string CurvesFile = "curves.png";

    /// <summary>File name of the MAdds chart (content-aware models only).</summary>
    public const string MaddsFile = "madds.png";

    private const int MarkerEpochLimit = 60;

    /// <summary>Writes <c>curves.png</c>: two panels side by side, loss and accuracy (%) per epoch.</summary>
    public static void WriteCurves(string path, RunMetrics metrics)
    {
        var (loss, accuracy) = BuildCurves(metrics);
        using (loss)
        using (accuracy)
        {
            var figure = new Multiplot(loss) { Layout = new Columns() };
            figure.AddPlot(accuracy);
            ChartFile.SavePng(figure, path, 1200, 450);
        }
    }

    /// <summary>The two panels of <c>curves.png</c>: train loss; train and test accuracy (%).</summary>
    internal static (Plot Loss, Plot Accuracy) BuildCurves(RunMetrics metrics)
    {
        var epochs = metrics.Epochs;
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();

        var loss = ChartFile.Style(new Plot());
        Series(loss, x, epochs.Select(e => e.TrainLoss).ToArray(), "train loss", Colors.C0);
        loss.Title($"{metrics.Model} on {metrics.Dataset}: loss");
        loss.XLabel("epoch");
        loss.YLabel("cross-entropy");
        loss.ShowLegend(Alignment.UpperRight);

        var accuracy = ChartFile.Style(new Plot());
        Series(accuracy, x, epochs.Select(e => 100 * e.TrainAccuracy).ToArray(), "train", Colors.C0);
        Series(accuracy, x, epochs.Select(e => 100 * e.TestAccuracy).ToArray(), "test", Colors.C1);
        accuracy.Title("accuracy");
        accuracy.XLabel("epoch");
        accuracy.YLabel("accuracy (%)");
        accuracy.ShowLegend(Alignment.LowerRight);

        foreach (var plot in new[] { loss, accuracy }) EpochTicks(plot, x);
        return (loss, accuracy);
    }

    /// <summary>
    /// Writes <c>madds.png</c>: MAdds (M) per sample over each epoch's test pass, with the standard-conv baseline as a
    /// dashed line. Epochs without a cost (not a content-aware model) are skipped; nothing is written when none has one.
    /// </summary>
    /// <returns>Whether the file was written.</returns>
    public static bool WriteMadds(string path, RunMetrics metrics)
    {
        var rows = metrics.Epochs.Where(e => e.Madds is not null).ToList();
        if (rows.Count == 0) return false;
        double[] x = rows.Select(e => (double)e.Epoch).ToArray();
        double[] madds = rows.Select(e => e.Madds!.Value / 1e6).ToArray();

        using var plot = ChartFile.Style(new Plot());
        Series(plot, x, madds, "content-aware (test pass)", Colors.C2);
        double? baseline = rows[^1].MaddsBaseline / 1e6;
        if (baseline is not null)
        {
            var line = plot.Add.HorizontalLine(baseline.Value, 2, Colors.Gray, LinePattern.Dashed);
            line.LegendText = $"standard convolutions ({baseline:F2}M)";
        }
        plot.Title($"{metrics.Model} on {metrics.Dataset}: MAdds per image");
        plot.XLabel("epoch");
        plot.YLabel("MAdds (millions)");
        plot.ShowLegend(Alignment.LowerLeft);
        EpochTicks(plot, x);
        double top = Math.Max(baseline ?? 0, madds.Max());
        plot.Axes.SetLimitsY(0, top * 1.12);
        ChartFile.SavePng(plot, path, 800, 450);
        return true;
    }

    // A line with markers while there are few epochs (one epoch: a single visible point).
    private static void Series(Plot plot, double[] x, double[] y, string label, Color color)
    {
        var s = plot.Add.Scatter(x, y, color);
        s.LegendText = label;
        s.LineWidth = 2;
        s.MarkerSize = x.Length <= MarkerEpochLimit ? 7 : 0;
    }

    // Whole-epoch ticks while they fit; ScottPlot's automatic ticks (which may fall between epochs) beyond that.
    private static void EpochTicks(Plot plot, double[] x)
    {
        if (x.Length > 20) return;
        plot.Axes.Bottom.SetTicks(x, x.Select(v => v.ToString("0", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        if (x.Length == 1) plot.Axes.SetLimitsX(x[0] - 1, x[0] + 1);
    }
}
