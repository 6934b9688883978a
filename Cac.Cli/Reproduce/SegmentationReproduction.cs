using System.Globalization;
using System.Text;
using System.Text.Json;
using Cac.Cli.Commands;
using Cac.Cli.Training;
using Cac.Data;
using Cac.IO;

namespace Cac.Cli.Reproduce;

/// <summary>
/// `cac reproduce table3`: the paper's segmentation table. Trains fcn-resnet18, rc-fcn-resnet18 and cac-fcn-resnet18 with
/// `cac train --task segmentation` (one directory per row under DIR/rows; a row whose metrics.json already holds every
/// epoch is reused) and writes DIR/report.md with each row's mIoU and measured MAdds beside the paper's.
/// <list type="bullet">
/// <item>small: fashion-mnist-seg (made into DIR/data by `cac make-dataset` with seed 0 unless --data names one), 400
/// training and 100 validation canvases, 4 epochs, batch 8, lr 0.01 on a cosine; sized for a 2-core CPU.</item>
/// <item>paper: VOC 2012 (--data, default data/voc2012), the paper's fine-tuning recipe: 30 epochs, SGD momentum 0.9,
/// weight decay 1e-4, lr 0.01 (the schedule is not given: cosine), random scale 0.5-2.0 and flip, test at 480 x 480, lambda
/// 0.3; batch 16 (not given). The paper pre-trains on MS-COCO; rows here start from scratch unless their directories
/// are seeded, which the report says.</item>
/// </list>
/// </summary>
internal static class SegmentationReproduction
{
    /// <summary>The table's name.</summary>
    public const string Table = "table3";

    /// <summary>One scale's recipe.</summary>
    internal sealed record SegmentationRecipe(string Scale, string Dataset, int Epochs, int BatchSize, double Lr, int TrainImages, int ValImages);

    /// <summary>The recipes by scale.</summary>
    internal static IReadOnlyList<SegmentationRecipe> Recipes { get; } =
    [
        new("small", MakeDatasetCommand.FashionMnistSeg, 4, 8, 0.01, 400, 100),
        new("paper", "voc2012", 30, 16, 0.01, 1464, 1449),
    ];

    /// <summary>The rows, in the paper's order.</summary>
    internal static IReadOnlyList<string> Models { get; } = ["fcn-resnet18", "rc-fcn-resnet18", "cac-fcn-resnet18"];

    internal static int Run(ReproduceCommand.ReproduceSettings s, TextWriter progress)
    {
        var recipe = Recipes.FirstOrDefault(r => r.Scale == s.Scale.ToLowerInvariant())
            ?? throw new ArgumentException($"{Table}: --scale must be {string.Join(" or ", Recipes.Select(r => r.Scale))}, got '{s.Scale}'");
        if (s.Dataset is not null && !string.Equals(s.Dataset, recipe.Dataset, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{Table} --scale {recipe.Scale} trains on {recipe.Dataset}; --dataset {s.Dataset} does not apply");
        if (s.Epochs is < 1 || s.Limit is < 1) throw new ArgumentException("--epochs and --limit must be at least 1");
        var models = s.ModelList() ?? Models;
        var unknown = models.FirstOrDefault(m => !Models.Contains(m, StringComparer.OrdinalIgnoreCase));
        if (unknown is not null) throw new ArgumentException($"--models: '{unknown}' is no row of {Table}; its rows: {string.Join(", ", Models)}");
        string outDir = s.Directory();
        string dataDir = s.DataDir ?? (recipe.Scale == "small" ? Path.Combine(outDir, "data") : SegmentationTraining.Dataset(recipe.Dataset).DefaultDir);
        if (recipe.Scale == "small" && s.DataDir is null && !File.Exists(Path.Combine(dataDir, "ImageSets", "Segmentation", "val.txt")))
            MakeDatasetCommand.Run(new MakeDatasetCommand.MakeDatasetSettings(recipe.Dataset, dataDir, Seed: 0, recipe.TrainImages, recipe.ValImages), progress);

        var results = new List<(string Model, SegmentationTraining.SegmentationEpochMetrics? Last)>();
        foreach (var model in Models)
        {
            var settings = new TrainCommand.TrainSettings(model, recipe.Dataset, dataDir, s.Epochs ?? recipe.Epochs, recipe.BatchSize, recipe.Lr, "cosine",
                0.9, 1e-4, s.Limit, 0, Path.Combine(outDir, "rows", model), Device: s.Device, CpuKernels: s.CpuKernels, Task: "segmentation");
            var done = Finished(settings);
            if (done is null && models.Contains(model, StringComparer.OrdinalIgnoreCase))
            {
                progress.WriteLine($"reproduce {Table} ({recipe.Scale}): {model}: training");
                SegmentationTraining.Run(settings);
                done = Finished(settings);
            }
            results.Add((model, done));
            AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), Report(recipe, s, results));
        }
        Console.Out.WriteLine($"wrote {Path.Combine(outDir, "report.md")}");
        return 0;
    }

    // The last epoch of a row whose metrics.json holds all its epochs; null otherwise.
    private static SegmentationTraining.SegmentationEpochMetrics? Finished(TrainCommand.TrainSettings settings)
    {
        string path = Path.Combine(settings.OutDir!, "metrics.json");
        if (!File.Exists(path)) return null;
        var metrics = JsonSerializer.Deserialize<SegmentationTraining.SegmentationRunMetrics>(File.ReadAllText(path));
        return metrics is { Epochs.Count: > 0 } && metrics.Epochs.Count == settings.Epochs && metrics.Model == settings.Model ? metrics.Epochs[^1] : null;
    }

    private static string Report(SegmentationRecipe recipe, ReproduceCommand.ReproduceSettings s, IReadOnlyList<(string Model, SegmentationTraining.SegmentationEpochMetrics? Last)> rows)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"# The paper's Table 3 ({recipe.Scale} scale)");
        text.AppendLine();
        text.AppendLine(string.Create(inv, $"{recipe.Dataset}, {s.Epochs ?? recipe.Epochs} epoch(s), batch {recipe.BatchSize}, SGD momentum 0.9, weight decay 1e-4, lr {recipe.Lr} on a cosine, ")
                        + "random scale 0.5-2.0, crop and flip, trained from scratch (the paper fine-tunes from MS-COCO). Our MAdds are measured per image on the test pass "
                        + "at the dataset's test size; the paper's at 480 x 480, so compare the ratios to FCN.");
        text.AppendLine();
        text.AppendLine("| model | mIoU (%) | MAdds | MAdds / FCN | paper mIoU (%) | paper MAdds | paper MAdds / FCN |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        double? fcn = rows.FirstOrDefault(r => r.Model == "fcn-resnet18").Last?.Madds;
        double paperFcn = SegmentationTraining.PaperTable3["fcn-resnet18"].Madds;
        foreach (var (model, last) in rows)
        {
            var paper = SegmentationTraining.PaperTable3[model];
            string ours = last is null ? "not run | - | -"
                : string.Create(inv, $"{100 * last.MeanIoU:F2} | {last.Madds / 1e9:F3}G | {(fcn is { } f ? (last.Madds / f).ToString("F3", inv) : "-")}");
            text.AppendLine(inv, $"| {model} | {ours} | {paper.MeanIoU:F1} | {paper.Madds / 1e9:F1}G | {paper.Madds / paperFcn:F3} |");
        }
        return text.ToString();
    }
}
