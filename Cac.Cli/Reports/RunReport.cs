using Cac.Cli.Training;
using Cac.IO;

namespace Cac.Cli.Reports;

/// <summary>
/// A training run's report, rewritten after every epoch next to metrics.json: <c>curves.png</c> (loss, accuracy),
/// for content-aware models <c>madds.png</c> and <c>sharp_ratios.png</c> (the last test pass, the paper's Fig. 4), and
/// <c>report.md</c> tying them together. Every file is written atomically, so a crash loses nothing already written.
/// A figure that cannot be drawn (a charting failure) is named in report.md instead of failing the run.
/// </summary>
public static class RunReport
{
    /// <summary>The report's file name.</summary>
    public const string ReportFile = "report.md";

    /// <summary>Sub-folder of the run's sharp-mask figures (Fig. 3), drawn by <c>cac train</c> after the last epoch of a content-aware model.</summary>
    public const string MaskFolder = "masks";

    /// <summary>Writes the report of <paramref name="metrics"/> into <paramref name="outDir"/> (created if needed).</summary>
    /// <returns>The figures that could not be drawn, with the reason (empty when all were).</returns>
    public static IReadOnlyList<string> Write(string outDir, RunMetrics metrics, RunReportContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(outDir);
        ArgumentNullException.ThrowIfNull(metrics);
        context ??= RunReportContext.Empty;
        Directory.CreateDirectory(outDir);
        var figures = new List<(string File, string Caption)>();
        var problems = new List<string>();

        void Draw(string file, string caption, Func<string, bool> draw)
        {
            try
            {
                if (draw(Path.Combine(outDir, file))) figures.Add((file, caption));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                problems.Add($"{file} ({e.GetType().Name}: {e.Message})");
            }
        }

        if (metrics.Epochs.Count > 0)
        {
            Draw(TrainingCurves.CurvesFile, "loss and accuracy per epoch", path =>
            {
                TrainingCurves.WriteCurves(path, metrics);
                return true;
            });
            Draw(TrainingCurves.MaddsFile, "MAdds per image per epoch", path => TrainingCurves.WriteMadds(path, metrics));
            var last = metrics.Epochs[^1];
            if (last.SharpRatios is { Count: > 0 } ratios)
                Draw(SharpRatioChart.FileName, "sharp ratio per content-aware layer", path =>
                {
                    SharpRatioChart.Write(path, $"{metrics.Model} on {metrics.Dataset}: sharp ratio per layer (epoch {last.Epoch} test pass)",
                        ratios.ToList());
                    return true;
                });
        }
        var masks = Path.Combine(outDir, MaskFolder);
        if (Directory.Exists(masks))
            foreach (var file in Directory.GetFiles(masks, "masks_*.png").Order(StringComparer.Ordinal))
                figures.Add(($"{MaskFolder}/{Path.GetFileName(file)}", "sharp (white) and smooth (black) windows of every content-aware layer on a test image (Fig. 3)"));
        AtomicFile.WriteAllText(Path.Combine(outDir, ReportFile), MarkdownReport.Build(metrics, context, figures, problems));
        return problems;
    }
}
