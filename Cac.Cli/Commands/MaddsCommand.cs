using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cac.Cli.Training;
using Cac.Data;
using Cac.Madds;
using Cac.Models;
using Cac.Nn;
using Cac.Serialization;
using Spectre.Console;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac madds`: counts a model's multiply-adds per layer with a forward pass. Content-aware layers cost what they measure
/// in that pass, so by default (fresh weights, a random N(0, 1) input) a CAC model reports its fresh-init cost, where
/// nearly every window is sharp (gamma = 1, beta = 0) and each CAC layer costs its conv plus 13 * Ho * Wo. --weights
/// loads trained weights and --dataset feeds real test images, for the cost a trained model has on real data.
/// </summary>
internal static class MaddsCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model name", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var inputSize = new Option<int?>("--input-size") { Description = "Input height and width (default: the model's, as `cac models` lists: 32 for CIFAR models, 224 for ImageNet ones)" };
        var inChannels = new Option<int?>("--in-channels") { Description = "Input channels (default: the model's, 3)" };
        var classes = new Option<int?>("--classes") { Description = "Number of classes (default: the model's, 10 or 1000)" };
        var weights = new Option<string?>("--weights") { Description = "Load the model's weights from a safetensors file (e.g. a run's model.safetensors)" };
        var dataset = new Option<string?>("--dataset") { Description = "Count over this dataset's test images (sets the input shape and classes) instead of a random input" };
        var data = new Option<string?>("--data") { Description = "Directory holding the dataset files (default: /usr/share/datasets/<dataset>)" };
        var limit = new Option<int?>("--limit") { Description = "With --dataset: use only the first N test images (default: all)" };

        var command = new Command("madds",
            "Count a model's multiply-adds (conv and linear layers) per input. Content-aware layers cost what they measure: " +
            "without --weights/--dataset that is the fresh-init cost on a random input (every window sharp)")
        {
            model, json, inputSize, inChannels, classes, weights, dataset, data, limit,
        };
        command.SetAction(parse => Run(SettingsFrom(parse), Console.Out));
        return command;
    }

    /// <summary>The settings of a parsed `cac madds` command line (options left out take their defaults).</summary>
    internal static MaddsSettings SettingsFrom(ParseResult parse) => new(
        Model: parse.GetValue<string>("--model")!,
        Json: parse.GetValue<bool>("--json"),
        InputSize: parse.GetValue<int?>("--input-size"),
        InChannels: parse.GetValue<int?>("--in-channels"),
        Classes: parse.GetValue<int?>("--classes"),
        Weights: parse.GetValue<string?>("--weights"),
        Dataset: parse.GetValue<string?>("--dataset"),
        DataDir: parse.GetValue<string?>("--data"),
        Limit: parse.GetValue<int?>("--limit"));

    /// <summary>The options of `cac madds`; a null input size, channel count or class count means the model's own (<see cref="ModelInfo"/>).</summary>
    internal sealed record MaddsSettings(string Model, bool Json, int? InputSize = null, int? InChannels = null, int? Classes = null,
        string? Weights = null, string? Dataset = null, string? DataDir = null, int? Limit = null)
    {
        /// <summary>The model's registry entry (throws naming the known models for an unknown name).</summary>
        public ModelInfo Info => ModelRegistry.Info(Model);

        /// <summary>Input height and width: --input-size, else the model's.</summary>
        public int Size => InputSize ?? Info.InputSize;

        /// <summary>Input channels: --in-channels, else the model's.</summary>
        public int Channels => InChannels ?? Info.InputChannels;

        /// <summary>Classes: --classes, else the model's.</summary>
        public int ClassCount => Classes ?? Info.NumClasses;

        public void Validate()
        {
            if (InputSize < 1) throw new ArgumentException($"--input-size must be at least 1, got {InputSize}");
            if (InChannels < 1) throw new ArgumentException($"--in-channels must be at least 1, got {InChannels}");
            if (Classes < 1) throw new ArgumentException($"--classes must be at least 1, got {Classes}");
            if (Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {Limit}");
            if (Dataset is null && (DataDir is not null || Limit is not null))
                throw new ArgumentException("--data and --limit need --dataset");
            if (Dataset is not null && (InputSize is not null || InChannels is not null || Classes is not null))
                throw new ArgumentException("--dataset sets the input shape and classes: drop --input-size, --in-channels and --classes");
            if (Dataset is not null) DatasetCatalog.Info(Dataset).RefuseImageFolder("madds");
        }
    }

    private const int BatchSize = 250;

    /// <summary>The JSON document: {"model", "input", "total_madds", "layers": [{"name", "type", "madds"}]}.</summary>
    internal sealed record MaddsJson(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("input")] string Input,
        [property: JsonPropertyName("total_madds")] long TotalMadds,
        [property: JsonPropertyName("layers")] IReadOnlyList<LayerJson> Layers);

    /// <summary>One layer of <see cref="MaddsJson"/>.</summary>
    internal sealed record LayerJson(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("madds")] long Madds);

    internal static int Run(MaddsSettings s, TextWriter output)
    {
        s.Validate();
        var (report, input) = Count(s);
        if (s.Json)
        {
            var doc = new MaddsJson(s.Model, input, report.TotalMadds, report.Layers.Select(l => new LayerJson(l.Name, l.Type, l.Madds)).ToList());
            output.WriteLine(JsonSerializer.Serialize(doc, JsonOptions));
            return 0;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var table = new Table().Title($"{Markup.Escape(s.Model)}: MAdds per sample, {Markup.Escape(input)}");
        table.AddColumn("Layer");
        table.AddColumn("Type");
        table.AddColumn(new TableColumn("MAdds").RightAligned());
        foreach (var layer in report.Layers)
            table.AddRow(Markup.Escape(layer.Name), Markup.Escape(layer.Type), $"{layer.Madds:N0}");
        table.AddEmptyRow();
        table.AddRow("[bold]total[/]", "", $"[bold]{report.TotalMadds:N0}[/] ({report.TotalMadds / 1e6:F2}M)");
        console.Write(table);
        if (report.Layers.Any(l => l.Type == nameof(ContentAwareConv2d)) || s.Model.StartsWith("cac-", StringComparison.OrdinalIgnoreCase))
            console.MarkupLine(s.Weights is null || s.Dataset is null
                ? "[grey]Content-aware layers are costed at the sharp ratios measured on this input with these weights; " +
                  "pass --weights and --dataset for a trained model's cost on real images.[/]"
                : "[grey]Content-aware layers are costed at the sharp ratios measured over these images.[/]");
        return 0;
    }

    // The model (with --weights loaded) counted over the dataset's test images, or over one random input; and a description of the input.
    private static (MaddsReport Report, string Input) Count(MaddsSettings s)
    {
        string weightsNote = s.Weights is null ? "fresh weights" : $"weights {s.Weights}";
        if (s.Dataset is null)
        {
            var net = Build(s, s.Channels, s.ClassCount);
            return (MaddsCounter.Count(net, 1, s.Channels, s.Size, s.Size),
                $"random N(0, 1) input (1, {s.Channels}, {s.Size}, {s.Size}), {s.ClassCount} classes, {weightsNote}");
        }
        var test = DatasetCatalog.Open(s.Dataset, s.DataDir, train: false);
        var loader = new DataLoader(test, BatchSize, transform: DatasetCatalog.Info(s.Dataset).Normalize(), limit: s.Limit);
        var model = Build(s, test.ImageShape.Channels, test.ClassCount);
        var report = MaddsCounter.Count(model, Images(loader));
        return (report, $"{loader.SampleCount} {s.Dataset} test image(s) {loader.OutputShape}, {weightsNote}");
    }

    private static IEnumerable<Tensor> Images(DataLoader loader)
    {
        foreach (var batch in loader.Epoch(0))
        {
            yield return batch.Images;
            batch.Dispose();
        }
    }

    private static Module Build(MaddsSettings s, int inChannels, int classes)
    {
        if (s.Weights is null) return ModelRegistry.Create(s.Model, inChannels, classes, new Generator(0));
        if (!File.Exists(s.Weights)) throw new FileNotFoundException($"--weights: file '{s.Weights}' not found", s.Weights);
        var weights = SafeTensors.Load(s.Weights, out var metadata);
        var net = ModelRegistry.Create(s.Model, inChannels, classes, new Generator(0), CheckpointMetadata.OptionsFrom(metadata, s.Weights));
        net.LoadStateDict(weights);
        return net;
    }
}
