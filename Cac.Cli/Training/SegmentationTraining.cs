using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cac.Cli.Commands;
using Cac.Cli.Devices;
using Cac.Data;
using Cac.IO;
using Cac.Models;
using Cac.Nn;
using Cac.Optim;
using Cac.Serialization;
using Spectre.Console;

namespace Cac.Cli.Training;

/// <summary>
/// `cac train --task segmentation`: trains fcn-resnet18, cac-fcn-resnet18 or rc-fcn-resnet18 on a dataset in PASCAL VOC's
/// layout (voc2012, 21 classes; fashion-mnist-seg, 11 classes, as `cac make-dataset` writes it) with the paper's recipe
/// shape: random scale 0.5-2.0, random crop (mask padded with 255) and flip for training, a resize to a fixed size for
/// testing, SGD with momentum and weight decay, the cosine or a constant schedule. Reads --model, --dataset, --data,
/// --epochs, --batch-size, --lr, --schedule, --momentum, --weight-decay, --limit, --seed, --out, --lambda, --init,
/// --device and --cpu-kernels of <see cref="TrainCommand.TrainSettings"/>; the classification-only options are refused.
/// Writes metrics.json (per epoch: loss, mIoU, pixel accuracy, per-class IoU, MAdds per image on the test pass),
/// model.safetensors and report.md (a row like the paper's Table 3 and the per-class IoUs).
/// </summary>
internal static class SegmentationTraining
{
    /// <summary>The datasets: classes, training crop side and test side.</summary>
    internal sealed record SegmentationDataset(string Name, int Classes, int CropSize, int TestSize, string DefaultDir);

    /// <summary>PASCAL VOC 2012 at the paper's 480 x 480, and the synthetic fashion-mnist-seg at its 96 x 96.</summary>
    internal static IReadOnlyList<SegmentationDataset> Datasets { get; } =
    [
        new("voc2012", VocSegmentationDataset.VocClasses, 480, 480, Path.Combine("data", "voc2012")),
        new(MakeDatasetCommand.FashionMnistSeg, FashionMnistSegmentation.ClassCount, FashionMnistSegmentation.CanvasSize, FashionMnistSegmentation.CanvasSize,
            Path.Combine("data", MakeDatasetCommand.FashionMnistSeg)),
    ];

    /// <summary>torchvision's ImageNet channel means and deviations, the input normalisation of the ImageNet-style backbone.</summary>
    internal static readonly float[] Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f];

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The paper's Table 3 (mIoU %, MAdds) by our model names.</summary>
    internal static IReadOnlyDictionary<string, (double MeanIoU, double Madds)> PaperTable3 { get; } = new Dictionary<string, (double, double)>
    {
        ["fcn-resnet18"] = (61.7, 45.0e9),
        ["rc-fcn-resnet18"] = (60.6, 38.2e9),
        ["cac-fcn-resnet18"] = (62.5, 37.2e9),
    };

    /// <summary>One epoch of metrics.json.</summary>
    internal sealed record SegmentationEpochMetrics(
        [property: JsonPropertyName("epoch")] int Epoch,
        [property: JsonPropertyName("train_loss")] double TrainLoss,
        [property: JsonPropertyName("test_miou")] double MeanIoU,
        [property: JsonPropertyName("test_pixel_accuracy")] double PixelAccuracy,
        [property: JsonPropertyName("test_iou")] IReadOnlyList<double?> PerClassIoU,
        [property: JsonPropertyName("madds")] double Madds,
        [property: JsonPropertyName("seconds")] double Seconds,
        [property: JsonPropertyName("images_per_second")] double ImagesPerSecond,
        [property: JsonPropertyName("lr")] double Lr);

    /// <summary>metrics.json.</summary>
    internal sealed record SegmentationRunMetrics(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("dataset")] string Dataset,
        [property: JsonPropertyName("task")] string Task,
        [property: JsonPropertyName("classes")] int Classes,
        [property: JsonPropertyName("parameters")] long Parameters,
        [property: JsonPropertyName("epochs")] List<SegmentationEpochMetrics> Epochs);

    /// <summary>The dataset entry of <paramref name="name"/>.</summary>
    internal static SegmentationDataset Dataset(string name) =>
        Datasets.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"--task segmentation: unknown dataset '{name}'; known: {string.Join(", ", Datasets.Select(d => d.Name))}");

    internal static int Run(TrainCommand.TrainSettings s)
    {
        var info = ModelRegistry.Info(s.Model);
        if (!info.IsSegmentation)
            throw new ArgumentException($"--task segmentation needs a segmentation model ({string.Join(", ", ModelRegistry.Models.Where(m => m.IsSegmentation).Select(m => m.Name))}), got '{s.Model}'");
        var dataset = Dataset(s.Dataset);
        if (s.Epochs < 1 || s.BatchSize < 1 || !(s.Lr > 0) || s.Limit is < 1)
            throw new ArgumentException("--epochs, --batch-size and --limit must be at least 1 and --lr positive");
        if (s.Schedule is not ("cosine" or "constant")) throw new ArgumentException($"--task segmentation: --schedule must be cosine or constant, got '{s.Schedule}'");
        if (s.Adversarial is not null || s.CalibrateMadds is not null || s.CalibrateSharpRatio is not null || s.Alpha is not null)
            throw new ArgumentException("--task segmentation: --adversarial, --calibrate-* and --alpha apply to classification only");

        using var kernels = CpuKernelsOption.Use(s.CpuKernels);
        string root = s.DataDir ?? dataset.DefaultDir;
        var trainData = new VocSegmentationDataset(root, "train", dataset.Classes);
        var testData = new VocSegmentationDataset(root, "val", dataset.Classes);
        Generator.ManualSeed(s.Seed);
        var net = ModelRegistry.Create(s.Model, SegmentationSample.Channels, dataset.Classes, new Generator(s.Seed), s.BuildOptions());
        if (s.Init is not null)
        {
            var init = CheckpointInit.Load(net, s.Init);
            AnsiConsole.MarkupLine($"initialised {init.Loaded} tensors from {Markup.Escape(s.Init)}" + (init.Missing.Count > 0 ? $", {init.Missing.Count} left as built" : ""));
        }
        var device = DeviceSelection.Open(s.Device);
        net.To(device);
        var trainTransform = new JointCompose(new JointRandomScale(), new JointRandomCrop(dataset.CropSize, dataset.CropSize), new JointRandomHorizontalFlip());
        var trainLoader = new SegmentationLoader(trainData, s.BatchSize, trainTransform, shuffle: true, s.Seed, Mean, Std, s.Limit, device);
        var testLoader = new SegmentationLoader(testData, s.BatchSize, new JointResize(dataset.TestSize, dataset.TestSize), shuffle: false, s.Seed, Mean, Std, s.Limit, device);
        var optimizer = new Sgd(net.Parameters(), s.Lr, momentum: s.Momentum, weightDecay: s.WeightDecay);
        LrScheduler? scheduler = s.Schedule == "cosine" ? new CosineAnnealingLR(optimizer, s.Epochs * trainLoader.Count) : null;
        var cost = CostAwareObjective.HasContentAwareLayers(net) && s.Lambda > 0
            ? CostAwareObjective.For(net, [1, SegmentationSample.Channels, dataset.CropSize, dataset.CropSize], s.Lambda)
            : null;
        var trainer = new SegmentationTrainer(net, optimizer, dataset.Classes, cost is null ? null : cost.Loss, scheduler);
        string outDir = s.OutDir ?? Path.Combine("runs", $"{s.Model}-{s.Dataset}");
        Directory.CreateDirectory(outDir);
        AnsiConsole.MarkupLine($"[bold]cac train --task segmentation[/] {s.Model} on {s.Dataset}: {trainLoader.SampleCount} train / {testLoader.SampleCount} test images, " +
                               $"{dataset.Classes} classes, crop {dataset.CropSize}, test at {dataset.TestSize}, {net.ParameterCount():N0} parameters, " +
                               $"{s.Epochs} epoch(s), batch {s.BatchSize}, lr {s.Lr} ({s.Schedule}), device {device}" +
                               (cost is null ? "" : $", objective loss * (MAdds / {cost.BaselineMadds / 1e9:F2}G)^{s.Lambda}"));

        var metrics = new SegmentationRunMetrics(s.Model, s.Dataset, "segmentation", dataset.Classes, net.ParameterCount(), []);
        for (int epoch = 0; epoch < s.Epochs; epoch++)
        {
            double lr = optimizer.LearningRate;
            var result = trainer.TrainEpoch(trainLoader, epoch);
            var evaluation = trainer.Evaluate(testLoader);
            var iou = evaluation.Confusion.PerClassIoU();
            metrics.Epochs.Add(new SegmentationEpochMetrics(epoch + 1, result.Loss, evaluation.Confusion.MeanIoU(), evaluation.Confusion.PixelAccuracy(),
                iou.Select(v => double.IsNaN(v) ? (double?)null : v).ToList(), evaluation.Madds, result.Seconds, result.ImagesPerSecond, lr));
            AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), JsonSerializer.Serialize(metrics, JsonOptions));
            SafeTensors.Save(Path.Combine(outDir, "model.safetensors"), net.StateDict(), s.Checkpoint().ToMetadata());
            AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), Report(metrics, dataset));
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch + 1}/{s.Epochs}: train loss {result.Loss:F4}, [bold]test mIoU {100 * evaluation.Confusion.MeanIoU():F2}%[/], " +
                $"pixel acc {100 * evaluation.Confusion.PixelAccuracy():F2}%, {evaluation.Madds / 1e9:F3}G MAdds per image, {result.Seconds:F1} s, {result.ImagesPerSecond:F1} img/s"));
        }
        AnsiConsole.MarkupLine($"wrote {Path.Combine(outDir, "metrics.json")}, {Path.Combine(outDir, "model.safetensors")} and {Path.Combine(outDir, "report.md")}");
        return 0;
    }

    // A row like the paper's Table 3 (mIoU, MAdds; the paper's beside ours) and the last epoch's per-class IoUs.
    private static string Report(SegmentationRunMetrics metrics, SegmentationDataset dataset)
    {
        var last = metrics.Epochs[^1];
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {metrics.Model} on {metrics.Dataset}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"After {last.Epoch} epoch(s); MAdds per image measured on the test pass at {dataset.TestSize} x {dataset.TestSize}.");
        text.AppendLine();
        text.AppendLine("| model | mIoU (%) | pixel acc (%) | MAdds | paper mIoU (%) | paper MAdds (480 x 480, VOC 2012) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        string paper = PaperTable3.TryGetValue(metrics.Model, out var p) ? string.Create(CultureInfo.InvariantCulture, $"{p.MeanIoU:F1} | {p.Madds / 1e9:F1}G") : "- | -";
        text.AppendLine(CultureInfo.InvariantCulture, $"| {metrics.Model} | {100 * last.MeanIoU:F2} | {100 * last.PixelAccuracy:F2} | {last.Madds / 1e9:F3}G | {paper} |");
        text.AppendLine();
        text.AppendLine("| class | IoU (%) |");
        text.AppendLine("|---|---:|");
        for (int c = 0; c < last.PerClassIoU.Count; c++)
            text.AppendLine(CultureInfo.InvariantCulture, $"| {c} | {(last.PerClassIoU[c] is { } v ? (100 * v).ToString("F2", CultureInfo.InvariantCulture) : "-")} |");
        return text.ToString();
    }
}
