using Cac.IO;
using ScottPlot;
using SkiaSharp;

namespace Cac.Cli.Reports;

/// <summary>
/// Saves ScottPlot figures as PNG files atomically (<see cref="AtomicFile"/>: a crash mid-write never leaves a broken
/// image), with the chart font every figure of the reports shares.
/// </summary>
internal static class ChartFile
{
    /// <summary>The sans-serif family the figures use when the machine has it (ScottPlot's default otherwise).</summary>
    private static readonly string? SansFont = new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial" }
        .FirstOrDefault(name => SKFontManager.Default.FontFamilies.Contains(name, StringComparer.OrdinalIgnoreCase));

    /// <summary>Applies the shared style to a new plot and returns it.</summary>
    public static Plot Style(Plot plot)
    {
        if (SansFont is not null) plot.Font.Set(SansFont);
        return plot;
    }

    /// <summary>Writes <paramref name="plot"/> to <paramref name="path"/> as a <paramref name="width"/> x <paramref name="height"/> PNG.</summary>
    public static void SavePng(Plot plot, string path, int width, int height) =>
        AtomicFile.Write(path, stream => stream.Write(plot.GetImageBytes(width, height, ImageFormat.Png)));

    /// <summary>Writes a grid of plots to <paramref name="path"/> as a <paramref name="width"/> x <paramref name="height"/> PNG.</summary>
    public static void SavePng(Multiplot figure, string path, int width, int height)
    {
        using var image = figure.Render(width, height);
        byte[] png = image.GetImageBytes(ImageFormat.Png, 100);
        AtomicFile.Write(path, stream => stream.Write(png));
    }
}
