using System.CommandLine;
using System.Text.Json;
using Cac.Cli.Training;
using Cac.Data;
using Cac.IO;
using Cac.Models;
using Cac.Optim;
using Cac.Serialization;
using Spectre.Console;

namespace Cac.Cli.Commands;

/// <summary>`cac train`: trains a model on a dataset, evaluating on the test set after each epoch.</summary>
internal static class TrainCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model name (see `cac models`)", DefaultValueFactory = _ => "resnet20" };
        var dataset = new Option<string>("--dataset") { Description = "Dataset: fashion-mnist or mnist", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "Directory holding the dataset files (default: /usr/share/datasets/<dataset>)" };
        var epochs = new Option<int>("--epochs") { Description = "Number of epochs", DefaultValueFactory = _ => 1 };
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Initial learning rate", DefaultValueFactory = _ => 0.1 };
        var schedule = new Option<string>("--schedule")
        {
            Description = "Learning-rate schedule: cosine (to 0 over the run, stepped every batch), multistep (divided by 10 at 50% and 75% of the epochs) or constant",
            DefaultValueFactory = _ => "cosine",
        };
        schedule.AcceptOnlyFromAmong("cosine", "multistep", "constant");
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum (Nesterov)", DefaultValueFactory = _ => 0.9 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay", DefaultValueFactory = _ => 1e-4 };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N training and test images (quick runs)" };
        var seed = new Option<int>("--seed") { Description = "Random seed (initialisation, shuffling)", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Output directory for metrics.json and the checkpoint (default: runs/<model>-<dataset>)" };

        var command = new Command("train", "Train a model with SGD (Nesterov) and softmax cross-entropy")
        {
            model, dataset, data, epochs, batchSize, lr, schedule, momentum, weightDecay, limit, seed, output,
        };
        command.SetAction(parse => Run(new TrainSettings(
            parse.GetValue(model)!, parse.GetValue(dataset)!, parse.GetValue(data), parse.GetValue(epochs),
            parse.GetValue(batchSize), parse.GetValue(lr), parse.GetValue(schedule)!, parse.GetValue(momentum), parse.GetValue(weightDecay),
            parse.GetValue(limit), parse.GetValue(seed), parse.GetValue(output))));
        return command;
    }

    internal sealed record TrainSettings(string Model, string Dataset, string? DataDir, int Epochs, int BatchSize,
        double Lr, string Schedule, double Momentum, double WeightDecay, int? Limit, int Seed, string? OutDir)
    {
        public void Validate()
        {
            if (Epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {Epochs}");
            if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}");
            if (!(Lr > 0) || !double.IsFinite(Lr)) throw new ArgumentException($"--lr must be a positive number, got {Lr}");
            if (Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {Limit}");
        }
    }

    internal static int Run(TrainSettings s)
    {
        s.Validate();
        var train = DatasetCatalog.Open(s.Dataset, s.DataDir, train: true);
        var test = DatasetCatalog.Open(s.Dataset, s.DataDir, train: false);
        Generator.ManualSeed(s.Seed);
        var net = ModelRegistry.Create(s.Model, train.ImageShape.Channels, train.ClassCount, new Generator(s.Seed));
        string outDir = s.OutDir ?? Path.Combine("runs", $"{s.Model}-{s.Dataset}");
        Directory.CreateDirectory(outDir);

        var normalize = DatasetCatalog.Info(s.Dataset).Normalize();
        var trainLoader = new DataLoader(train, s.BatchSize, shuffle: true, seed: s.Seed, transform: normalize, limit: s.Limit);
        var testLoader = new DataLoader(test, 500, shuffle: false, seed: s.Seed, transform: normalize, limit: s.Limit);
        var optimizer = new Sgd(net.Parameters(), s.Lr, momentum: s.Momentum, weightDecay: s.WeightDecay, nesterov: s.Momentum > 0);
        LrScheduler? epochScheduler = s.Schedule == "multistep" ? new MultiStepLR(optimizer, [Math.Max(1, s.Epochs / 2), Math.Max(1, s.Epochs * 3 / 4)]) : null;
        LrScheduler? batchScheduler = s.Schedule == "cosine" ? new CosineAnnealingLR(optimizer, s.Epochs * trainLoader.Count) : null;
        var trainer = new Trainer(net, optimizer, batchScheduler);

        AnsiConsole.MarkupLine($"[bold]cac train[/] {s.Model} on {s.Dataset}: {trainLoader.SampleCount} train / {testLoader.SampleCount} test images, " +
                               $"{net.ParameterCount():N0} parameters, {s.Epochs} epoch(s), batch {s.BatchSize}, lr {s.Lr} ({s.Schedule})");
        var metrics = new RunMetrics(s.Model, s.Dataset, net.ParameterCount(), s.Seed, s.BatchSize, []);
        for (int epoch = 0; epoch < s.Epochs; epoch++)
        {
            double lrNow = optimizer.LearningRate;
            var result = TrainWithProgress(trainer, trainLoader, epoch, s.Epochs);
            double testAccuracy = trainer.Evaluate(testLoader);
            epochScheduler?.Step();
            metrics.Epochs.Add(new EpochMetrics(epoch + 1, result.Loss, result.Accuracy, testAccuracy, result.Seconds, result.ImagesPerSecond, lrNow));
            AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), JsonSerializer.Serialize(metrics, JsonOptions));
            SafeTensors.Save(Path.Combine(outDir, "model.safetensors"), net.StateDict());
            AnsiConsole.MarkupLine($"epoch {epoch + 1}/{s.Epochs}: train loss {result.Loss:F4}, train acc {result.Accuracy:P2}, " +
                                   $"[bold]test acc {testAccuracy:P2}[/], {result.Seconds:F1} s, {result.ImagesPerSecond:F0} img/s");
        }
        AnsiConsole.MarkupLine($"wrote {Path.Combine(outDir, "metrics.json")} and {Path.Combine(outDir, "model.safetensors")}");
        return 0;
    }

    private static EpochResult TrainWithProgress(Trainer trainer, DataLoader loader, int epoch, int epochs)
    {
        string Describe(BatchProgress p) => $"epoch {epoch + 1}/{epochs}  loss {p.Loss:F4}  acc {p.Accuracy:P1}  {p.ImagesPerSecond:F0} img/s";
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // Logs and CI: a line every ~10% of the epoch instead of a live bar.
            int every = Math.Max(1, loader.Count / 10);
            return trainer.TrainEpoch(loader, epoch, p =>
            {
                if (p.Batch % every == 0 || p.Batch == p.Batches) Console.WriteLine($"  [{p.Batch}/{p.Batches}] {Describe(p)}");
            });
        }
        EpochResult result = default;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"epoch {epoch + 1}/{epochs}", maxValue: loader.Count);
                result = trainer.TrainEpoch(loader, epoch, p =>
                {
                    task.Value = p.Batch;
                    task.Description = Markup.Escape(Describe(p));
                });
            });
        return result;
    }
}
