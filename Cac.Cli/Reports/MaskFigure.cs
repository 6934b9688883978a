using System.Globalization;
using Cac.Data;
using ScottPlot;
using ScottPlot.MultiplotLayouts;

namespace Cac.Cli.Reports;

/// <summary>
/// The paper's Fig. 3 for one image: a grid of panels, the input image first, then each content-aware layer's hard mask
/// (white = sharp window, full k x k convolution; black = smooth window, 1 x 1 path) titled by the layer's name and the
/// image's sharp ratio in that layer. Pixels are drawn as crisp squares (no smoothing).
/// </summary>
internal static class MaskFigure
{
    private const int Columns = 5;
    private const int PanelWidth = 240;
    private const int PanelHeight = 260;

    /// <summary>Writes the figure of <paramref name="image"/> to <paramref name="path"/>.</summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="image">The captured image and its masks.</param>
    /// <param name="pixels">The input image as stored, (C, H, W) floats in [0, 1] (C = 1 grey or 3 RGB).</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="classNames">Class names for the title (by label), or null.</param>
    public static void Write(string path, CapturedImage image, float[] pixels, ImageShape shape, IReadOnlyList<string>? classNames)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != shape.Length)
            throw new ArgumentException($"MaskFigure: {pixels.Length} pixel values for an image of shape {shape}");
        string Name(int label) => classNames is not null && label >= 0 && label < classNames.Count ? classNames[label] : label.ToString(CultureInfo.InvariantCulture);

        var plots = new List<Plot>();
        var pictures = new List<Image>();
        try
        {
            plots.Add(Panel(pictures, Rgb(pixels, shape), shape.Height, shape.Width,
                $"test image {image.Index}: {Name(image.Label)}", $"predicted {Name(image.Predicted)}; white = sharp"));
            foreach (var mask in image.Masks)
                plots.Add(Panel(pictures, Grey(mask.Mask, mask.Height, mask.Width), mask.Height, mask.Width,
                    $"{mask.Layer}  {mask.SharpRatio.ToString("0.00", CultureInfo.InvariantCulture)}", $"{mask.Height} x {mask.Width}"));

            int columns = Math.Min(Columns, plots.Count), rows = (plots.Count + columns - 1) / columns;
            var figure = new Multiplot(plots[0]) { Layout = new Grid(rows, columns) };
            foreach (var plot in plots.Skip(1)) figure.AddPlot(plot);
            ChartFile.SavePng(figure, path, columns * PanelWidth, rows * PanelHeight);
        }
        finally
        {
            foreach (var plot in plots) plot.Dispose();
            foreach (var picture in pictures) picture.Dispose();
        }
    }

    // One panel (also of AdversarialFigure): the picture filling square axes, no ticks, a title and a caption.
    // The image is kept in pictures (disposed by the caller once the figure is saved).
    internal static Plot Panel(List<Image> pictures, byte[,,] rgb, int height, int width, string title, string caption)
    {
        var plot = ChartFile.Style(new Plot());
        var picture = new Image(rgb);
        pictures.Add(picture);
        var rect = plot.Add.ImageRect(picture, new CoordinateRect(0, width, 0, height));
        rect.AntiAlias = false;
        plot.HideGrid();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.SetLimits(0, width, 0, height);
        plot.Axes.SquareUnits();
        plot.Title(title, 12);
        plot.XLabel(caption, 11);
        return plot;
    }

    // (C, H, W) in [0, 1] to (H, W, 3) bytes; grey images repeat their one channel.
    internal static byte[,,] Rgb(float[] pixels, ImageShape shape)
    {
        int h = shape.Height, w = shape.Width, plane = h * w;
        var rgb = new byte[h, w, 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    rgb[y, x, c] = ToByte(pixels[(shape.Channels == 1 ? 0 : c) * plane + y * w + x]);
        return rgb;
    }

    // A 0/1 mask (H, W) to white (sharp) and black (smooth).
    private static byte[,,] Grey(float[] mask, int h, int w)
    {
        var rgb = new byte[h, w, 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte v = ToByte(mask[y * w + x]);
                rgb[y, x, 0] = rgb[y, x, 1] = rgb[y, x, 2] = v;
            }
        return rgb;
    }

    private static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
}
