using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cac.Adversarial;
using Cac.Cli.Adversarial;
using Cac.Cli.Devices;
using Cac.Cli.Reports;
using Cac.Data;
using Cac.Models;
using Cac.Nn;
using Spectre.Console;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac attack`: a trained model under a white-box L-infinity attack (FGSM, MI-FGSM or PGD) on a dataset's test split, in
/// pixel space before the dataset's normalisation: clean accuracy, adversarial accuracy and adversarial error.
/// </summary>
internal static class AttackCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The adversarial examples figure that --save-examples writes.</summary>
    internal const string ExamplesFile = "adversarial_examples.png";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model name (see `cac models`)", Required = true };
        var weights = new Option<string>("--weights") { Description = "The model's weights (a safetensors file such as a run's model.safetensors)", Required = true };
        var dataset = new Option<string>("--dataset") { Description = $"Dataset whose test split is attacked: {string.Join(", ", DatasetCatalog.Names)}", Required = true };
        var data = new Option<string?>("--data") { Description = "Directory holding the dataset files (default: /usr/share/datasets/<dataset>)" };
        var method = new Option<string>("--method") { Description = "Attack: fgsm (one step of size eps), mifgsm (momentum 1, L1-normalised gradient) or pgd", DefaultValueFactory = _ => "pgd" };
        method.AcceptOnlyFromAmong([.. Attacks.Names]);
        var steps = new Option<int>("--steps") { Description = "Iterations of mifgsm and pgd (the paper: 10; PGD-100: 100); fgsm takes one step", DefaultValueFactory = _ => AttackOptions.PaperSteps };
        var eps = new Option<double>("--eps") { Description = "L-infinity radius in pixel units [0, 1] (the paper: 8/255)", DefaultValueFactory = _ => AttackOptions.PaperEpsilon };
        var stepSize = new Option<double>("--step-size") { Description = "Step of mifgsm and pgd in pixel units (the paper: 2/255)", DefaultValueFactory = _ => AttackOptions.PaperStepSize };
        var randomStart = new Option<bool?>("--random-start") { Description = "pgd: start from a uniform random point of the eps-ball (true|false; default true for pgd; fgsm and mifgsm start at the image)" };
        var limit = new Option<int?>("--limit") { Description = "Attack only the first N test images" };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per attack batch", DefaultValueFactory = _ => 128 };
        var seed = new Option<int>("--seed") { Description = "Seed of pgd's random start", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var examples = new Option<string?>("--save-examples") { Description = $"Write {ExamplesFile} into DIR: clean image, perturbation x10 and adversarial image, with predicted classes, for 8 test images" };
        var device = DeviceSelection.CreateOption();
        var cpuKernels = CpuKernelsOption.Create();

        var command = new Command("attack", "Attack a trained model on a dataset's test split (FGSM, MI-FGSM, PGD in pixel space): clean and adversarial accuracy")
        {
            model, weights, dataset, data, method, steps, eps, stepSize, randomStart, limit, batchSize, seed, json, examples, device, cpuKernels,
        };
        command.SetAction(parse => Run(SettingsFrom(parse), Console.Out));
        return command;
    }

    /// <summary>The settings of a parsed `cac attack` command line (options left out take their defaults).</summary>
    internal static AttackSettings SettingsFrom(ParseResult parse) => new(
        Model: parse.GetValue<string>("--model")!,
        Weights: parse.GetValue<string>("--weights")!,
        Dataset: parse.GetValue<string>("--dataset")!,
        DataDir: parse.GetValue<string?>("--data"),
        Method: parse.GetValue<string>("--method")!,
        Steps: parse.GetValue<int>("--steps"),
        Eps: parse.GetValue<double>("--eps"),
        StepSize: parse.GetValue<double>("--step-size"),
        RandomStart: parse.GetValue<bool?>("--random-start"),
        Limit: parse.GetValue<int?>("--limit"),
        BatchSize: parse.GetValue<int>("--batch-size"),
        Seed: parse.GetValue<int>("--seed"),
        Json: parse.GetValue<bool>("--json"),
        SaveExamples: parse.GetValue<string?>("--save-examples"),
        Device: parse.GetValue<string>("--device")!,
        CpuKernels: parse.GetValue<string>(CpuKernelsOption.Name)!);

    internal sealed record AttackSettings(string Model, string Weights, string Dataset, string? DataDir = null, string Method = "pgd",
        int Steps = AttackOptions.PaperSteps, double Eps = AttackOptions.PaperEpsilon, double StepSize = AttackOptions.PaperStepSize,
        bool? RandomStart = null, int? Limit = null, int BatchSize = 128, int Seed = 0, bool Json = false, string? SaveExamples = null,
        string Device = "cpu", string CpuKernels = "fast")
    {
        public AttackMethod Attack => Attacks.Parse(Method);

        /// <summary>The attack's settings: one step for fgsm; a random start by default for pgd only.</summary>
        public AttackOptions Options() => new(Eps, StepSize, Attack == AttackMethod.Fgsm ? 1 : Steps,
            RandomStart ?? Attack == AttackMethod.Pgd);

        public void Validate()
        {
            ModelRegistry.Info(Model);
            DatasetCatalog.Info(Dataset).RefuseImageFolder("attack");
            var attack = Attack;
            if (Steps < 0) throw new ArgumentException($"--steps must be >= 0, got {Steps}"); // fgsm ignores it, so checked here too
            Options().Validate();
            if (RandomStart == true && attack != AttackMethod.Pgd) throw new ArgumentException($"--random-start true applies to pgd only, not {Method}");
            if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}");
            if (Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {Limit}");
            CpuKernelsOption.Parse(CpuKernels);
        }
    }

    /// <summary>The JSON document of `cac attack --json`.</summary>
    internal sealed record AttackJson(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("weights")] string Weights,
        [property: JsonPropertyName("dataset")] string Dataset,
        [property: JsonPropertyName("method")] string Method,
        [property: JsonPropertyName("eps")] double Eps,
        [property: JsonPropertyName("step_size")] double StepSize,
        [property: JsonPropertyName("steps")] int Steps,
        [property: JsonPropertyName("random_start")] bool RandomStart,
        [property: JsonPropertyName("images")] long Images,
        [property: JsonPropertyName("clean_accuracy")] double CleanAccuracy,
        [property: JsonPropertyName("adversarial_accuracy")] double AdversarialAccuracy,
        [property: JsonPropertyName("adversarial_error")] double AdversarialError,
        [property: JsonPropertyName("seconds")] double Seconds,
        [property: JsonPropertyName("examples")] string? Examples);

    internal static int Run(AttackSettings s, TextWriter output)
    {
        s.Validate();
        var options = s.Options();
        using var kernels = CpuKernelsOption.Use(s.CpuKernels);
        var info = DatasetCatalog.Info(s.Dataset);
        var test = DatasetCatalog.Load(info.Name, s.DataDir, train: false);
        var loaded = StrictWeights.Load(s.Model, s.Weights, test.ImageShape.Channels, test.ClassCount);
        var device = DeviceSelection.Open(s.Device);
        var model = InputNormalization.Wrap(loaded.Model, info.Mean, info.Std);
        model.To(device);
        var pixels = new DataLoader(test, s.BatchSize, limit: s.Limit, device: device); // no transform: pixels in [0, 1]

        var pass = AdversarialEvaluation.Run(model, [model], pixels, s.Attack, options, new Generator(s.Seed),
            s.Json ? null : (done, total) => Console.Error.Write($"\r  batch {done}/{total}"));
        if (!s.Json) Console.Error.WriteLine();
        string? examples = null;
        if (s.SaveExamples is not null && pass.FirstBatch is { } sample)
        {
            Directory.CreateDirectory(s.SaveExamples);
            examples = Path.Combine(s.SaveExamples, ExamplesFile);
            AdversarialFigure.Write(examples, sample, test.ImageShape, 8, info.ClassNames, options.Epsilon);
        }
        double robust = pass.AdversarialAccuracy();
        var doc = new AttackJson(loaded.Info.Name, s.Weights, info.Name, Attacks.Name(s.Attack), options.Epsilon, options.StepSize, options.Steps,
            options.RandomStart, pass.Images, pass.CleanAccuracy(), robust, 1 - robust, pass.Seconds, examples);
        if (s.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(doc, JsonOptions));
            return 0;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"[bold]{Markup.Escape(doc.Model)}[/] on {doc.Images} {Markup.Escape(doc.Dataset)} test image(s): {doc.Method}, eps {doc.Eps * 255:0.##}/255, " +
            $"step {doc.StepSize * 255:0.##}/255, {doc.Steps} step(s){(doc.RandomStart ? ", random start" : "")}, {doc.Seconds:F1} s"));
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"clean accuracy {doc.CleanAccuracy:P2}, adversarial accuracy [bold]{doc.AdversarialAccuracy:P2}[/], adversarial error {doc.AdversarialError:P2}"));
        if (examples is not null) console.MarkupLine($"wrote {Markup.Escape(examples)}");
        return 0;
    }
}
