using System.Globalization;
using ScottPlot;

namespace Cac.Cli.Reports;

/// <summary>
/// The paper's Fig. 4: each content-aware layer's sharp ratio (the fraction of its windows that take the full k x k
/// convolution) as a bar chart, layers in network order, labelled by module name.
/// </summary>
internal static class SharpRatioChart
{
    /// <summary>The file name used by the reports.</summary>
    public const string FileName = "sharp_ratios.png";

    /// <summary>Writes the chart to <paramref name="path"/>; the width grows with the number of layers.</summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">The chart title (model, data).</param>
    /// <param name="ratios">Layer name and sharp ratio in [0, 1], in network order; NaN (layer never ran) draws no bar.</param>
    public static void Write(string path, string title, IReadOnlyList<KeyValuePair<string, double>> ratios)
    {
        ArgumentNullException.ThrowIfNull(ratios);
        if (ratios.Count == 0) throw new ArgumentException("SharpRatioChart: no layers to draw", nameof(ratios));
        using var plot = ChartFile.Style(new Plot());
        var bars = new List<Bar>();
        for (int i = 0; i < ratios.Count; i++)
        {
            double r = ratios[i].Value;
            if (double.IsNaN(r)) continue;
            bars.Add(new Bar
            {
                Position = i,
                Value = r,
                FillColor = Colors.C0,
                Label = r.ToString("0.00", CultureInfo.InvariantCulture),
                LabelOnTop = true,
            });
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, ratios.Count).Select(i => (double)i).ToArray(), ratios.Select(r => r.Key).ToArray());
        // Names slanted up to the left, ending under their bar; the axis is made tall enough for the longest one.
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 20 + 0.55f * plot.Axes.Bottom.TickLabelStyle.FontSize * ratios.Max(r => r.Key.Length);
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimits(-0.7, ratios.Count - 0.3, 0, 1.1);
        plot.Title(title);
        plot.YLabel("sharp ratio");
        plot.XLabel("content-aware layer (sharp ratio: fraction of its windows given the full k x k convolution)");
        int width = Math.Max(700, 60 * ratios.Count + 200);
        ChartFile.SavePng(plot, path, width, 560);
    }
}
