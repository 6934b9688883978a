using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cac.Cli.Devices;
using Cac.Cli.Training;
using Cac.Data;
using Spectre.Console;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac eval` for a segmentation model: its weights on the val split of a dataset in VOC's layout (voc2012,
/// fashion-mnist-seg; --data names the folder), each image resized to the dataset's test size as in training: mIoU, pixel
/// accuracy, per-class IoU and the MAdds per image that ran (content-aware layers at their measured sharp ratios, the
/// cascade at its measured hard share).
/// </summary>
internal static class SegmentationEval
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The JSON document: per_class_iou holds null for a class absent from both truth and predictions.</summary>
    internal sealed record SegmentationEvalJson(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("weights")] string Weights,
        [property: JsonPropertyName("dataset")] string Dataset,
        [property: JsonPropertyName("images")] int Images,
        [property: JsonPropertyName("miou")] double MeanIoU,
        [property: JsonPropertyName("pixel_accuracy")] double PixelAccuracy,
        [property: JsonPropertyName("per_class_iou")] IReadOnlyList<double?> PerClassIoU,
        [property: JsonPropertyName("madds")] double Madds);

    internal static int Run(EvalCommand.EvalSettings s, TextWriter output)
    {
        if (s.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {s.BatchSize}");
        if (s.Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {s.Limit}");
        var dataset = SegmentationTraining.Dataset(s.Dataset);
        using var kernels = CpuKernelsOption.Use(s.CpuKernels);
        var val = new VocSegmentationDataset(s.DataDir ?? dataset.DefaultDir, "val", dataset.Classes);
        var loaded = StrictWeights.Load(s.Model, s.Weights, SegmentationSample.Channels, dataset.Classes);
        var device = DeviceSelection.Open(s.Device);
        loaded.Model.To(device);
        var loader = new SegmentationLoader(val, s.BatchSize, new JointResize(dataset.TestSize, dataset.TestSize), shuffle: false, seed: 0,
            SegmentationTraining.Mean, SegmentationTraining.Std, s.Limit, device);
        var result = SegmentationTrainer.Evaluate(loaded.Model, loader, dataset.Classes);
        var confusion = result.Confusion;
        var doc = new SegmentationEvalJson(loaded.Info.Name, s.Weights, dataset.Name, loader.SampleCount, confusion.MeanIoU(), confusion.PixelAccuracy(),
            confusion.PerClassIoU().Select(v => double.IsNaN(v) ? (double?)null : v).ToList(), result.Madds);
        if (s.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(doc, JsonOptions));
            return 0;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"{Markup.Escape(doc.Model)} on {doc.Dataset} val ({doc.Images} images at {dataset.TestSize} x {dataset.TestSize}): [bold]mIoU {100 * doc.MeanIoU:F2}%[/], " +
            $"pixel accuracy {100 * doc.PixelAccuracy:F2}%, {doc.Madds / 1e9:F3}G MAdds per image"));
        var table = new Table().AddColumns("class", "IoU (%)");
        for (int c = 0; c < doc.PerClassIoU.Count; c++)
            table.AddRow(c.ToString(CultureInfo.InvariantCulture), doc.PerClassIoU[c] is { } v ? (100 * v).ToString("F2", CultureInfo.InvariantCulture) : "-");
        console.Write(table);
        return 0;
    }
}
