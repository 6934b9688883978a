using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cac.Cli.Devices;
using Cac.Cli.Training;
using Cac.Data;
using Cac.Madds;
using Cac.Models;
using Cac.Nn;
using Spectre.Console;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac eval`: a trained model on a dataset's test split: top-1 and top-5 accuracy, mean cross-entropy, per-class accuracy, and the
/// per-sample MAdds. Content-aware models are costed at the sharp ratios their layers measured over this pass (with
/// the standard-conv baseline and each layer's ratio); other models at their fixed cost. Segmentation models go to
/// <see cref="SegmentationEval"/> (mIoU, per-class IoU).
/// </summary>
internal static class EvalCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model name (see `cac models`)", Required = true };
        var weights = new Option<string>("--weights") { Description = "The model's weights (a safetensors file such as a run's model.safetensors)", Required = true };
        var dataset = new Option<string>("--dataset") { Description = $"Dataset whose test split is evaluated: {string.Join(", ", DatasetCatalog.Names)}; segmentation models: voc2012 or fashion-mnist-seg (its val split)", Required = true };
        var data = new Option<string?>("--data") { Description = "Directory holding the dataset files (default: /usr/share/datasets/<dataset>)" };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N test images" };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per forward pass", DefaultValueFactory = _ => 250 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables" };
        var device = DeviceSelection.CreateOption();
        var cpuKernels = CpuKernelsOption.Create();

        var command = new Command("eval", "Evaluate a trained model on a dataset's test split: top-1 and top-5 accuracy, loss, per-class accuracy, MAdds")
        {
            model, weights, dataset, data, limit, batchSize, json, device, cpuKernels,
        };
        foreach (var option in LoaderOptions.Create()) command.Options.Add(option);
        command.SetAction(parse => Run(SettingsFrom(parse), Console.Out));
        return command;
    }

    /// <summary>The settings of a parsed `cac eval` command line (options left out take their defaults).</summary>
    internal static EvalSettings SettingsFrom(ParseResult parse) => new(
        Model: parse.GetValue<string>("--model")!,
        Weights: parse.GetValue<string>("--weights")!,
        Dataset: parse.GetValue<string>("--dataset")!,
        DataDir: parse.GetValue<string?>("--data"),
        Limit: parse.GetValue<int?>("--limit"),
        BatchSize: parse.GetValue<int>("--batch-size"),
        Json: parse.GetValue<bool>("--json"),
        Device: parse.GetValue<string>("--device")!,
        CpuKernels: parse.GetValue<string>(CpuKernelsOption.Name)!,
        Workers: parse.GetValue<int>(LoaderOptions.WorkersName),
        BadImages: parse.GetValue<string>(LoaderOptions.BadImagesName)!);

    internal sealed record EvalSettings(string Model, string Weights, string Dataset, string? DataDir = null, int? Limit = null,
        int BatchSize = 250, bool Json = false, string Device = "cpu", string CpuKernels = "fast", int Workers = 2, string BadImages = "stop")
    {
        public void Validate()
        {
            ModelRegistry.Info(Model);     // an unknown model fails here, naming the known ones, before any data is read
            DatasetCatalog.Info(Dataset); // likewise an unknown dataset
            if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}");
            if (Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {Limit}");
            CpuKernelsOption.Parse(CpuKernels);
            LoaderOptions.Validate(Workers, BadImages);
        }
    }

    /// <summary>The JSON document of `cac eval --json`: accuracy is top-1; top5_accuracy is null for fewer than <see cref="TopK"/> classes.</summary>
    internal sealed record EvalJson(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("weights")] string Weights,
        [property: JsonPropertyName("dataset")] string Dataset,
        [property: JsonPropertyName("samples")] long Samples,
        [property: JsonPropertyName("accuracy")] double Accuracy,
        [property: JsonPropertyName("top5_accuracy")] double? Top5Accuracy,
        [property: JsonPropertyName("loss")] double Loss,
        [property: JsonPropertyName("per_class")] IReadOnlyList<ClassJson> PerClass,
        [property: JsonPropertyName("madds")] long Madds,
        [property: JsonPropertyName("madds_baseline")] long? MaddsBaseline,
        [property: JsonPropertyName("madds_ratio")] double? MaddsRatio,
        [property: JsonPropertyName("sharp_ratios")] IReadOnlyDictionary<string, double>? SharpRatios);

    /// <summary>One class of <see cref="EvalJson"/>: accuracy is null when the class has no sample.</summary>
    internal sealed record ClassJson(
        [property: JsonPropertyName("class")] int Class,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("samples")] long Samples,
        [property: JsonPropertyName("correct")] long Correct,
        [property: JsonPropertyName("accuracy")] double? Accuracy);

    /// <summary>The k of the top-k accuracy reported beside top-1 (<see cref="ScoreRank.TopK"/>).</summary>
    internal const int TopK = ScoreRank.TopK;

    internal static int Run(EvalSettings s, TextWriter output)
    {
        if (ModelRegistry.Info(s.Model).IsSegmentation) return SegmentationEval.Run(s, output);
        s.Validate();
        using var kernels = CpuKernelsOption.Use(s.CpuKernels);
        var info = DatasetCatalog.Info(s.Dataset);
        var badImages = LoaderOptions.ParsePolicy(s.BadImages);
        var test = DatasetCatalog.Load(info.Name, s.DataDir, train: false, badImages);
        var loaded = StrictWeights.Load(s.Model, s.Weights, test.ImageShape.Channels, test.ClassCount);
        var device = DeviceSelection.Open(s.Device);
        var net = loaded.Model;
        net.To(device);
        var loader = new DataLoader(test, s.BatchSize, transform: Compose.Chain([.. info.EvalPreprocessing(), info.Normalize()]), limit: s.Limit,
            device: device, workers: s.Workers, badSamples: badImages);
        var shape = loader.OutputShape;
        int[] inputShape = [1, shape.Channels, shape.Height, shape.Width];

        // Content-aware: the cost model (one counting forward) before the pass; other models: their fixed cost.
        var monitor = CostAwareObjective.HasContentAwareLayers(net) ? new CacCostMonitor(CostAwareObjective.For(net, inputShape)) : null;
        long fixedMadds = monitor is null ? MaddsCounter.Count(net, inputShape).TotalMadds : 0;

        var result = Evaluate(net, loader, test.ClassCount, monitor);
        LoaderOptions.ReportSkipped(Console.Error, loader);
        var cost = monitor?.EndPass();
        var names = ClassNames(test, info);
        var perClass = Enumerable.Range(0, test.ClassCount).Select(k => new ClassJson(k, names[k], result.Samples[k], result.Correct[k],
            result.Samples[k] == 0 ? null : (double)result.Correct[k] / result.Samples[k])).ToList();
        long seen = result.Samples.Sum();
        var doc = new EvalJson(loaded.Info.Name, s.Weights, info.Name, seen, (double)result.Correct.Sum() / seen,
            result.TopKCorrect is { } topK ? (double)topK / seen : null, result.LossSum / seen, perClass,
            cost?.Madds ?? fixedMadds, cost?.BaselineMadds, cost?.Ratio, cost?.SharpRatios);

        if (s.Json) output.WriteLine(JsonSerializer.Serialize(doc, JsonOptions));
        else WriteTables(doc, output);
        return 0;
    }

    /// <summary>One pass's counts: samples and top-1 hits per class, top-k hits (null for fewer than <see cref="TopK"/> classes), summed loss.</summary>
    internal sealed record PassResult(long[] Samples, long[] Correct, long? TopKCorrect, double LossSum);

    // One pass in evaluation mode without gradients: per-class counts, top-k hits and the summed cross-entropy.
    internal static PassResult Evaluate(Module net, DataLoader loader, int classes, CacCostMonitor? monitor)
    {
        var samples = new long[classes];
        var correct = new long[classes];
        long topK = 0;
        double lossSum = 0;
        net.Eval();
        monitor?.BeginPass();
        using var noGrad = Autograd.NoGrad();
        foreach (var batch in loader.Epoch(0))
        {
            using var scope = TensorScope.Begin(); // the batch's temporaries go back to the pool for the next batch
            var logits = net.Forward(batch.Images); // (N, classes)
            int n = batch.Labels.Size(0);
            lossSum += Ops.CrossEntropy(logits, batch.Labels).Item() * n;
            var scores = logits.ToFloatArray();
            var truth = batch.Labels.ToIntArray();
            for (int i = 0; i < n; i++)
            {
                var row = scores.AsSpan(i * classes, classes);
                int best = 0;
                for (int j = 1; j < classes; j++) if (row[j] > row[best]) best = j;
                samples[truth[i]]++;
                if (best == truth[i]) correct[truth[i]]++;
                if (ScoreRank.Of(row, truth[i]) < TopK) topK++;
            }
            batch.Dispose();
        }
        return new PassResult(samples, correct, classes >= TopK ? topK : null, lossSum);
    }

    private static IReadOnlyList<string> ClassNames(IImageDataset test, DatasetInfo info) => test switch
    {
        InMemoryImageDataset { ClassNames: { } names } when names.Count == test.ClassCount => names,
        ByteImageDataset { ClassNames: { } names } when names.Count == test.ClassCount => names,
        StreamingImageFolderDataset folder => folder.ClassNames,
        _ => info.ClassNames.Count == test.ClassCount ? info.ClassNames : Enumerable.Range(0, test.ClassCount).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToList(),
    };

    internal static void WriteTables(EvalJson doc, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        // Redirected output (a file, a pipe, a test) is not wrapped at Spectre's default 80 columns.
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected) console.Profile.Width = 200;
        console.MarkupLine($"[bold]{Markup.Escape(doc.Model)}[/] on {doc.Samples} {Markup.Escape(doc.Dataset)} test image(s), weights {Markup.Escape(doc.Weights)}");
        string topK = doc.Top5Accuracy is { } top5
            ? string.Create(CultureInfo.InvariantCulture, $"top-{TopK} accuracy {top5:P2}")
            : $"top-{TopK} accuracy n/a ({doc.PerClass.Count} classes)";
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"top-1 accuracy [bold]{doc.Accuracy:P2}[/], {topK}, mean cross-entropy {doc.Loss:F4}"));
        var table = new Table().AddColumns("class", "name", "samples", "accuracy");
        foreach (var c in doc.PerClass)
            table.AddRow(c.Class.ToString(CultureInfo.InvariantCulture), Markup.Escape(c.Name), c.Samples.ToString(CultureInfo.InvariantCulture),
                c.Accuracy is { } a ? a.ToString("P2", CultureInfo.InvariantCulture) : "-");
        console.Write(table);
        if (doc.SharpRatios is null)
        {
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"MAdds per image {doc.Madds / 1e6:F2}M"));
            return;
        }
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"MAdds per image at the measured sharp ratios {doc.Madds / 1e6:F2}M ({doc.MaddsRatio:P1} of the standard-conv {doc.MaddsBaseline / 1e6:F2}M)"));
        var ratios = new Table().AddColumns("content-aware layer", "sharp ratio");
        foreach (var (name, ratio) in doc.SharpRatios)
            ratios.AddRow(Markup.Escape(name), ratio.ToString("F3", CultureInfo.InvariantCulture));
        console.Write(ratios);
    }
}
