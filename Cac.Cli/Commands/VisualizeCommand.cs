using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cac.Cli.Devices;
using Cac.Cli.Reports;
using Cac.Cli.Training;
using Cac.Data;
using Cac.IO;
using Cac.Models;
using Cac.Nn;
using Cac.Serialization;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac visualize`: runs a trained content-aware model over the test set (eval mode, no gradients) and draws the paper's
/// Fig. 3 (each CAC layer's sharp mask for the first test images, one PNG per image: masks_NNNN.png) and Fig. 4 (each
/// layer's sharp ratio over the images: sharp_ratios.png, with the numbers in sharp_ratios.json).
/// </summary>
internal static class VisualizeCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private const int BatchSize = 100;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model name (a content-aware model, e.g. cac-resnet20)", Required = true };
        var weights = new Option<string>("--weights") { Description = "The model's weights (safetensors, e.g. a run's model.safetensors)", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset whose test images are shown: fashion-mnist, mnist, cifar10, cifar100", Required = true };
        var data = new Option<string?>("--data") { Description = "Directory holding the dataset files (default: /usr/share/datasets/<dataset>)" };
        var output = new Option<string?>("--out") { Description = "Output directory (default: visualize/ next to the weights file)" };
        var images = new Option<int>("--images") { Description = "Number of test images whose masks are drawn (one PNG each)", DefaultValueFactory = _ => 4 };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N test images for the sharp ratios (default: all)" };
        var device = DeviceSelection.CreateOption();
        var command = new Command("visualize",
            "Draw a content-aware model's sharp masks on test images (the paper's Fig. 3) and its per-layer sharp ratios (Fig. 4)")
        {
            model, weights, dataset, data, output, images, limit, device,
        };
        command.SetAction(parse => Run(SettingsFrom(parse), Console.Out));
        return command;
    }

    /// <summary>The settings of a parsed `cac visualize` command line (options left out take their defaults).</summary>
    internal static VisualizeSettings SettingsFrom(ParseResult parse) => new(
        Model: parse.GetValue<string>("--model")!,
        Weights: parse.GetValue<string>("--weights")!,
        Dataset: parse.GetValue<string>("--dataset")!,
        DataDir: parse.GetValue<string?>("--data"),
        OutDir: parse.GetValue<string?>("--out"),
        Images: parse.GetValue<int>("--images"),
        Limit: parse.GetValue<int?>("--limit"),
        Device: parse.GetValue<string>("--device")!);

    internal sealed record VisualizeSettings(string Model, string Weights, string Dataset, string? DataDir = null, string? OutDir = null,
        int Images = 4, int? Limit = null, string Device = "cpu")
    {
        public void Validate()
        {
            if (Images < 0) throw new ArgumentException($"--images must be at least 0, got {Images}");
            if (Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {Limit}");
        }

        /// <summary>--out, or visualize/ in the weights file's directory.</summary>
        public string Output => OutDir ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(Weights)) ?? ".", "visualize");
    }

    /// <summary>sharp_ratios.json: the pass, its cost, and each layer's sharp ratio in network order.</summary>
    internal sealed record SharpRatiosJson(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("dataset")] string Dataset,
        [property: JsonPropertyName("weights")] string Weights,
        [property: JsonPropertyName("images")] int Images,
        [property: JsonPropertyName("test_accuracy")] double TestAccuracy,
        [property: JsonPropertyName("madds")] long Madds,
        [property: JsonPropertyName("madds_baseline")] long MaddsBaseline,
        [property: JsonPropertyName("madds_ratio")] double MaddsRatio,
        [property: JsonPropertyName("layers")] IReadOnlyList<LayerJson> Layers);

    /// <summary>One layer of <see cref="SharpRatiosJson"/>.</summary>
    internal sealed record LayerJson(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("sharp_ratio")] double SharpRatio,
        [property: JsonPropertyName("sharp_windows")] long SharpWindows,
        [property: JsonPropertyName("windows")] long Windows);

    internal static int Run(VisualizeSettings s, TextWriter output)
    {
        s.Validate();
        var info = DatasetCatalog.Info(s.Dataset);
        info.RefuseImageFolder("visualize");
        if (!new ConvFactory(ModelRegistry.Info(s.Model).ConvType).IsContentAware)
            throw new ArgumentException($"--model {s.Model} has no content-aware (CAC) layers, so it has no sharp masks to draw; " +
                                        $"use a content-aware model such as cac-{ModelRegistry.Info(s.Model).BaseName}");
        if (!File.Exists(s.Weights)) throw new FileNotFoundException($"--weights: file '{s.Weights}' not found", s.Weights);
        var weights = SafeTensors.Load(s.Weights, out var metadata);
        // Built with the checkpoint's options (sample point, alpha): they decide the masks' pixels and the shapes.
        var net = ModelRegistry.Create(s.Model, info.ImageShape.Channels, info.ClassCount, new Generator(0), CheckpointMetadata.OptionsFrom(metadata, s.Weights));
        net.LoadStateDict(weights);

        var test = DatasetCatalog.Load(s.Dataset, s.DataDir, train: false);
        var device = DeviceSelection.Open(s.Device);
        net.To(device);
        var loader = new DataLoader(test, BatchSize, transform: info.Normalize(), limit: s.Limit, device: device);
        // Built before the pass: its counting forward overwrites the layers' last masks but not their accumulated ratios.
        var cost = CostAwareObjective.For(net, [1, loader.OutputShape.Channels, loader.OutputShape.Height, loader.OutputShape.Width]);
        var pass = MaskCapture.Run(net, loader, s.Images);
        double madds = cost.MaddsAtAccumulatedRatios();

        string outDir = s.Output;
        Directory.CreateDirectory(outDir);
        var pixels = new float[test.ImageShape.Length];
        foreach (var image in pass.Images)
        {
            test.CopyImage(image.Index, pixels);
            MaskFigure.Write(Path.Combine(outDir, MaskFileName(image.Index)), image, pixels, test.ImageShape, info.ClassNames);
        }
        SharpRatioChart.Write(Path.Combine(outDir, SharpRatioChart.FileName),
            $"{s.Model} on {s.Dataset}: sharp ratio per layer ({pass.Samples} test images)",
            pass.Layers.Select(l => new KeyValuePair<string, double>(l.Layer, l.SharpRatio)).ToList());
        var doc = new SharpRatiosJson(s.Model, s.Dataset, s.Weights, pass.Samples, pass.Accuracy, (long)Math.Round(madds),
            (long)Math.Round(cost.BaselineMadds), madds / cost.BaselineMadds,
            pass.Layers.Select(l => new LayerJson(l.Layer, l.SharpRatio, l.SharpWindows, l.Windows)).ToList());
        AtomicFile.WriteAllText(Path.Combine(outDir, JsonFileName), JsonSerializer.Serialize(doc, JsonOptions));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{s.Model} on {pass.Samples} {s.Dataset} test image(s): accuracy {Table1Row.Percent(pass.Accuracy, 2)}, " +
            $"MAdds {Table1Row.Millions(madds)}M ({Table1Row.Percent(madds / cost.BaselineMadds, 1)} of {Table1Row.Millions(cost.BaselineMadds)}M)"));
        foreach (var l in pass.Layers) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {l.Layer,-24} sharp ratio {l.SharpRatio:F4}"));
        output.WriteLine($"wrote {pass.Images.Count} mask figure(s), {SharpRatioChart.FileName} and {JsonFileName} to {outDir}");
        return 0;
    }

    /// <summary>The numbers of Fig. 4.</summary>
    internal const string JsonFileName = "sharp_ratios.json";

    /// <summary>The Fig. 3 file of test image <paramref name="index"/>: masks_0007.png.</summary>
    internal static string MaskFileName(int index) => string.Create(CultureInfo.InvariantCulture, $"masks_{index:D4}.png");
}
