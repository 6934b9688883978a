using System.Globalization;
using Cac.Cli.Adversarial;
using Cac.Data;
using ScottPlot;
using ScottPlot.MultiplotLayouts;

namespace Cac.Cli.Reports;

/// <summary>
/// Adversarial examples as the paper's figures show them: one row per image, three panels: the clean image (true and
/// predicted class), the perturbation magnified 10 times around mid-grey, and the adversarial image (predicted class).
/// </summary>
internal static class AdversarialFigure
{
    private const int PanelWidth = 220;
    private const int PanelHeight = 240;
    private const float Magnification = 10;

    /// <summary>Writes the first <paramref name="images"/> images of <paramref name="sample"/> (shape <paramref name="shape"/> each) to <paramref name="path"/>.</summary>
    public static void Write(string path, AttackSample sample, ImageShape shape, int images, IReadOnlyList<string> classNames, double eps)
    {
        int n = Math.Min(images, sample.Labels.Length), length = shape.Length;
        string Name(int label) => label >= 0 && label < classNames.Count ? classNames[label] : label.ToString(CultureInfo.InvariantCulture);
        var plots = new List<Plot>();
        var pictures = new List<Image>();
        try
        {
            for (int i = 0; i < n; i++)
            {
                var clean = sample.Clean.AsSpan(i * length, length);
                var adversarial = sample.Adversarial.AsSpan(i * length, length);
                var perturbation = new float[length];
                for (int j = 0; j < length; j++) perturbation[j] = 0.5f + Magnification * (adversarial[j] - clean[j]);
                plots.Add(MaskFigure.Panel(pictures, MaskFigure.Rgb(clean.ToArray(), shape), shape.Height, shape.Width,
                    $"clean: {Name(sample.Labels[i])}", $"predicted {Name(sample.CleanPredicted[i])}"));
                plots.Add(MaskFigure.Panel(pictures, MaskFigure.Rgb(perturbation, shape), shape.Height, shape.Width,
                    "perturbation x10", string.Create(CultureInfo.InvariantCulture, $"eps {eps * 255:0.#}/255")));
                plots.Add(MaskFigure.Panel(pictures, MaskFigure.Rgb(adversarial.ToArray(), shape), shape.Height, shape.Width,
                    "adversarial", $"predicted {Name(sample.AdversarialPredicted[i])}"));
            }
            var figure = new Multiplot(plots[0]) { Layout = new Grid(n, 3) };
            foreach (var plot in plots.Skip(1)) figure.AddPlot(plot);
            ChartFile.SavePng(figure, path, 3 * PanelWidth, n * PanelHeight);
        }
        finally
        {
            foreach (var plot in plots) plot.Dispose();
            foreach (var picture in pictures) picture.Dispose();
        }
    }
}
