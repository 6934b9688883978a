using Cac.Training;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Cac.Adversarial;
using Cac.Cli.Adversarial;
using Cac.Cli.Devices;
using Cac.Cli.Reports;
using Cac.Cli.Training;
using Cac.Data;
using Cac.IO;
using Cac.Models;
using Cac.Nn;
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
        var model = new Option<string>("--model") { Description = "Model name (see `cac models`)", DefaultValueFactory = _ => "cac-resnet20" };
        var dataset = new Option<string>("--dataset") { Description = $"Dataset: {string.Join(", ", DatasetCatalog.Names)}", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "Directory holding the dataset files (default: /usr/share/datasets/<dataset>)" };
        var epochs = new Option<int>("--epochs") { Description = "Number of epochs", DefaultValueFactory = _ => 1 };
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Initial learning rate", DefaultValueFactory = _ => 0.1 };
        var schedule = new Option<string>("--schedule")
        {
            Description = "Learning-rate schedule: cosine (to 0 over the run, stepped every batch), multistep (divided by 10 at --milestones, " +
                          "by default 50% and 75% of the epochs) or constant",
            DefaultValueFactory = _ => "cosine",
        };
        schedule.AcceptOnlyFromAmong("cosine", "multistep", "constant");
        var milestones = new Option<string?>("--milestones")
        {
            Description = "With --schedule multistep: the epochs after which the lr is divided by 10, ascending and below --epochs, " +
                          "e.g. 160,240 (the paper's CIFAR-10 recipe with --epochs 400; default: 50% and 75% of --epochs)",
        };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum (Nesterov)", DefaultValueFactory = _ => 0.9 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay", DefaultValueFactory = _ => 1e-4 };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N training and test images (quick runs)" };
        var seed = new Option<int>("--seed") { Description = "Random seed (initialisation, shuffling)", DefaultValueFactory = _ => 0 };
        var device = DeviceSelection.CreateOption();
        var cpuKernels = CpuKernelsOption.Create();
        var output = new Option<string?>("--out") { Description = "Output directory for metrics.json and the checkpoint (default: runs/<model>-<dataset>)" };
        var lambda = new Option<double>("--lambda")
        {
            Description = "Content-aware models: exponent of the cost-aware objective loss * (MAdds / baseline MAdds)^lambda (0 disables it)",
            DefaultValueFactory = _ => CostAwareObjective.DefaultLambda,
        };
        var thresholdLr = new Option<double>("--threshold-lr-scale")
        {
            Description = "Content-aware models: learning rate of the thresholds gamma and beta as a multiple of --lr (1 = the paper; " +
                          "a larger factor lets a short fine-tune reach a lower cost)",
            DefaultValueFactory = _ => 1.0,
        };
        var calibrate = new Option<double?>("--calibrate-sharp-ratio")
        {
            Description = "Content-aware models: before training, set each CAC layer's threshold beta so that this fraction of its windows " +
                          "is sharp on a batch of 512 training images (a starting point for fine-tuning from --init; the thresholds then train as usual)",
        };
        var calibrateMadds = new Option<double?>("--calibrate-madds")
        {
            Description = "Content-aware models: before training, choose a sharp ratio per CAC layer so that the model costs at most this " +
                          "fraction of the standard model's MAdds, lowering first the layers where smooth windows raise the loss least " +
                          "(measured on 512 training images), and set the thresholds to match (a starting point for fine-tuning from --init)",
        };
        var cacSample = new Option<string>("--cac-sample")
        {
            Description = "Content-aware models: the pixel a smooth window's 1 x 1 convolution reads, centre (the paper) or top-left " +
                          "(the official code); recorded in the checkpoint",
            DefaultValueFactory = _ => "centre",
        };
        cacSample.AcceptOnlyFromAmong([.. CheckpointMetadata.SampleNames]);
        var alpha = new Option<double?>("--alpha")
        {
            Description = $"Octave models: the fraction of low-frequency channels in the octave layers, in (0, 1) (default {ModelOptions.DefaultAlpha}); " +
                          "recorded in the checkpoint",
        };
        // Learned-threshold recipe (docs/learned-thresholds.md).
        var lambdaWarmup = new Option<double>("--lambda-warmup") { Description = "Content-aware models: fraction of the training steps run with lambda 0 before the cost-aware objective starts", DefaultValueFactory = _ => 0 };
        var lambdaRamp = new Option<double>("--lambda-ramp") { Description = "Content-aware models: fraction of the training steps, after --lambda-warmup, over which lambda rises linearly from 0 to --lambda", DefaultValueFactory = _ => 0 };
        var bnRecalibrate = new Option<int>("--bn-recalibrate") { Description = "Before each evaluation, re-estimate the batch-norm running statistics on this many training batches (train mode, no gradient; 0 = off)", DefaultValueFactory = _ => 0 };
        var thresholdLrNorm = new Option<bool>("--threshold-lr-norm")
        {
            Description = "Content-aware models: scale each layer's threshold learning rates by its mean Sobel score G (measured on the first " +
                          "training batch), so that every threshold moves at the same rate in units of its own G (on by default; --threshold-lr-norm false turns it off)",
            DefaultValueFactory = _ => true,
        };
        var thresholdGradient = new Option<string>("--threshold-gradient")
        {
            Description = "Content-aware models: the gradient the thresholds learn from, sigmoid (a sigmoid surrogate at every window near the " +
                          "threshold: what switching the window between its paths would change; the backward runs the other path once more) or gated " +
                          "(the official code's straight-through gate, which lets the thresholds run far when trained from scratch)",
            DefaultValueFactory = _ => "sigmoid",
        };
        thresholdGradient.AcceptOnlyFromAmong("gated", "sigmoid");
        var thresholdTemperature = new Option<double>("--threshold-temperature")
        {
            Description = "With --threshold-gradient sigmoid: the surrogate's temperature in units of each layer's mean Sobel score G",
            DefaultValueFactory = _ => 0.5,
        };
        var adversarial = new Option<string?>("--adversarial")
        {
            Description = "Adversarial training (Madry et al.): train on each batch's PGD examples (uniform random start, attack in training mode); " +
                          "the only method is pgd. Normalisation moves into the model, so the attack works on pixels in [0, 1]",
        };
        adversarial.AcceptOnlyFromAmong("pgd");
        var advSteps = new Option<int>("--adv-steps") { Description = "With --adversarial: PGD iterations per batch (Madry et al.'s CIFAR-10 training: 7)", DefaultValueFactory = _ => MadryAdvSteps };
        var advEps = new Option<double>("--adv-eps") { Description = "With --adversarial: L-infinity radius in pixel units [0, 1] (the paper: 8/255)", DefaultValueFactory = _ => AttackOptions.PaperEpsilon };
        var advStepSize = new Option<double>("--adv-step-size") { Description = "With --adversarial: PGD step in pixel units (the paper: 2/255)", DefaultValueFactory = _ => AttackOptions.PaperStepSize };
        var init = new Option<string?>("--init") { Description = "Initialise from a safetensors checkpoint (non-strict: missing keys such as gamma/beta are reported; shapes must match)" };

        var resume = new Option<string?>("--resume")
        {
            Description = "Continue the run saved in DIR (its train_state.safetensors, written after every epoch) from the next epoch, " +
                          "with its settings; other options must match them, except --epochs (may be raised), --data and --device",
        };

        var task = new Option<string>("--task")
        {
            Description = "classification, or segmentation: a segmentation model (fcn-resnet18, cac-fcn-resnet18, rc-fcn-resnet18) on a dataset in VOC's layout " +
                          "(voc2012, fashion-mnist-seg from `cac make-dataset`; --data names its folder), reporting mIoU (Training/SegmentationTraining.cs)",
            DefaultValueFactory = _ => "classification",
        };

        var command = new Command("train", "Train a model with SGD (Nesterov) and softmax cross-entropy")
        {
            model, dataset, data, epochs, batchSize, lr, schedule, milestones, momentum, weightDecay, limit, seed, output, lambda, thresholdLr, calibrate, calibrateMadds, lambdaWarmup, lambdaRamp, bnRecalibrate, thresholdLrNorm, thresholdGradient, thresholdTemperature, cacSample, alpha, adversarial, advSteps, advEps, advStepSize, init, device, cpuKernels, resume, task,
        };
        foreach (var option in LoaderOptions.Create()) command.Options.Add(option);
        command.SetAction(parse => parse.GetValue(resume) is { } resumeDir ? Resume(resumeDir, GivenOptions(parse)) : Dispatch(SettingsFrom(parse)));
        return command;
    }

    /// <summary>The settings of a new run from a parsed `cac train` command line (options left out take their defaults).</summary>
    internal static TrainSettings SettingsFrom(ParseResult parse) => new(
        Model: parse.GetValue<string>("--model")!,
        Dataset: parse.GetValue<string>("--dataset")!,
        DataDir: parse.GetValue<string?>("--data"),
        Epochs: parse.GetValue<int>("--epochs"),
        BatchSize: parse.GetValue<int>("--batch-size"),
        Lr: parse.GetValue<double>("--lr"),
        Schedule: parse.GetValue<string>("--schedule")!,
        Momentum: parse.GetValue<double>("--momentum"),
        WeightDecay: parse.GetValue<double>("--weight-decay"),
        Limit: parse.GetValue<int?>("--limit"),
        Seed: parse.GetValue<int>("--seed"),
        OutDir: parse.GetValue<string?>("--out"),
        Lambda: parse.GetValue<double>("--lambda"),
        Init: parse.GetValue<string?>("--init"),
        Device: parse.GetValue<string>("--device")!,
        ThresholdLrScale: parse.GetValue<double>("--threshold-lr-scale"),
        CalibrateSharpRatio: parse.GetValue<double?>("--calibrate-sharp-ratio"),
        CalibrateMadds: parse.GetValue<double?>("--calibrate-madds"),
        Milestones: parse.GetValue<string?>("--milestones"),
        CacSample: parse.GetValue<string>("--cac-sample")!,
        Alpha: parse.GetValue<double?>("--alpha"),
        CpuKernels: parse.GetValue<string>(CpuKernelsOption.Name)!,
        LambdaWarmup: parse.GetValue<double>("--lambda-warmup"),
        LambdaRamp: parse.GetValue<double>("--lambda-ramp"),
        BnRecalibrate: parse.GetValue<int>("--bn-recalibrate"),
        ThresholdLrNorm: parse.GetValue<bool>("--threshold-lr-norm"),
        ThresholdGradient: parse.GetValue<string>("--threshold-gradient")!,
        ThresholdTemperature: parse.GetValue<double>("--threshold-temperature"),

        Adversarial: parse.GetValue<string?>("--adversarial"),
        AdvSteps: parse.GetValue<int>("--adv-steps"),
        AdvEps: parse.GetValue<double>("--adv-eps"),
        AdvStepSize: parse.GetValue<double>("--adv-step-size"),
        Task: parse.GetValue<string>("--task")!,
        Workers: parse.GetValue<int>(LoaderOptions.WorkersName),
        BadImages: parse.GetValue<string>(LoaderOptions.BadImagesName)!);

    /// <summary>Runs a new run of the settings' task: classification here, segmentation in <see cref="SegmentationTraining"/>.</summary>
    internal static int Dispatch(TrainSettings s) => s.Task.ToLowerInvariant() switch
    {
        "classification" => Run(s),
        "segmentation" => SegmentationTraining.Run(s),
        _ => throw new ArgumentException($"--task must be classification or segmentation, got '{s.Task}'"),
    };

    /// <summary>
    /// The options typed on a parsed `cac train --resume` command line, --resume aside, by name ("--epochs") with their values:
    /// the <c>given</c> of <see cref="Resume"/>, checked against the saved run (options left out are not).
    /// </summary>
    internal static Dictionary<string, object?> GivenOptions(ParseResult parse) => parse.CommandResult.Children
        .OfType<OptionResult>()
        .Where(o => !o.Implicit && o.Option.Name != "--resume")
        .ToDictionary(o => o.Option.Name, o => o.GetValueOrDefault<object?>());

    /// <summary>PGD iterations per batch of adversarial training by default: Madry et al.'s CIFAR-10 training (PGD-7).</summary>
    internal const int MadryAdvSteps = 7;

    internal sealed record TrainSettings(string Model, string Dataset, string? DataDir, int Epochs, int BatchSize,
        double Lr, string Schedule, double Momentum, double WeightDecay, int? Limit, int Seed, string? OutDir,
        double Lambda = CostAwareObjective.DefaultLambda, string? Init = null, string Device = "cpu", double ThresholdLrScale = 1,
        double? CalibrateSharpRatio = null, double? CalibrateMadds = null, string? Milestones = null,
        string CacSample = "centre", double? Alpha = null, string CpuKernels = "fast",
        double LambdaWarmup = 0, double LambdaRamp = 0, int BnRecalibrate = 0, bool ThresholdLrNorm = true,
        string ThresholdGradient = "sigmoid", double ThresholdTemperature = 0.5,
        string? Adversarial = null, int AdvSteps = MadryAdvSteps, double AdvEps = AttackOptions.PaperEpsilon, double AdvStepSize = AttackOptions.PaperStepSize,
        string Task = "classification", int Workers = 2, string BadImages = "stop")
    {
        /// <summary>The <see cref="CacScoreGradient"/> named by <see cref="ThresholdGradient"/>.</summary>
        public CacScoreGradient ScoreGradient() => ThresholdGradient.ToLowerInvariant() switch
        {
            "gated" => CacScoreGradient.Gated,
            "sigmoid" => CacScoreGradient.Sigmoid,
            _ => throw new ArgumentException($"--threshold-gradient must be gated or sigmoid, got '{ThresholdGradient}'"),
        };

        /// <summary>With --adversarial: the attack that makes the training images (random start on).</summary>
        public AttackOptions AdversarialOptions() => new(AdvEps, AdvStepSize, AdvSteps, RandomStart: true);

        /// <summary>How the model is built: <see cref="CacSample"/> and <see cref="Alpha"/>.</summary>
        public ModelOptions BuildOptions() => new(CheckpointMetadata.ParseSample(CacSample), Alpha);

        /// <summary>What model.safetensors records about the model besides its weights.</summary>
        public CheckpointMetadata Checkpoint() => new(Model, CacSample, Alpha);

        public void Validate()
        {
            var model = ModelRegistry.Info(Model); // an unknown model fails here, naming the known ones, before any data is read
            DatasetCatalog.Info(Dataset); // likewise an unknown dataset
            var convs = new ConvFactory(model.ConvType);
            if (CheckpointMetadata.ParseSample(CacSample) != CacSamplePoint.Centre && !convs.IsContentAware)
                throw new ArgumentException($"--cac-sample {CacSample}: model '{Model}' has no content-aware layer (use a cac-* model)");
            if (Alpha is { } alpha)
            {
                if (!convs.IsOctave) throw new ArgumentException($"--alpha {alpha}: model '{Model}' has no octave layers (use an oct-* or cac-oct-* model)");
                if (!(alpha > 0 && alpha < 1)) throw new ArgumentException($"--alpha must lie in (0, 1), got {alpha}");
            }
            if (Epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {Epochs}");
            if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}");
            if (!(Lr > 0) || !double.IsFinite(Lr)) throw new ArgumentException($"--lr must be a positive number, got {Lr}");
            if (!(Momentum >= 0) || double.IsInfinity(Momentum)) throw new ArgumentException($"--momentum must be a finite number >= 0, got {Momentum}");
            if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new ArgumentException($"--weight-decay must be a finite number >= 0, got {WeightDecay}");
            if (Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {Limit}");
            if (!(Lambda >= 0) || double.IsInfinity(Lambda)) throw new ArgumentException($"--lambda must be a finite number >= 0, got {Lambda}");
            if (!(ThresholdLrScale >= 0) || double.IsInfinity(ThresholdLrScale))
                throw new ArgumentException($"--threshold-lr-scale must be a finite number >= 0, got {ThresholdLrScale}");
            if (CalibrateSharpRatio is { } r && !(r >= 0 && r <= 1))
                throw new ArgumentException($"--calibrate-sharp-ratio must lie in [0, 1], got {r}");
            if (CalibrateMadds is { } f && !(f > 0 && f <= 1))
                throw new ArgumentException($"--calibrate-madds must lie in (0, 1], got {f}");
            CpuKernelsOption.Parse(CpuKernels);
            if (Milestones is not null)
            {
                if (Schedule != "multistep") throw new ArgumentException($"--milestones '{Milestones}' needs --schedule multistep (got {Schedule})");
                Training.Milestones.Check(Milestones, Epochs);
            }
            if (!(LambdaWarmup >= 0 && LambdaRamp >= 0 && LambdaWarmup + LambdaRamp <= 1))
                throw new ArgumentException($"--lambda-warmup {LambdaWarmup} and --lambda-ramp {LambdaRamp} must be fractions >= 0 of the run with a sum <= 1");
            ScoreGradient(); // an unknown --threshold-gradient name fails here
            if (!(ThresholdTemperature > 0) || double.IsInfinity(ThresholdTemperature))
                throw new ArgumentException($"--threshold-temperature must be a finite number > 0, got {ThresholdTemperature}");
            LoaderOptions.Validate(Workers, BadImages);
            if (BnRecalibrate < 0) throw new ArgumentException($"--bn-recalibrate must be >= 0, got {BnRecalibrate}");
            if (Adversarial is not null)
            {
                if (Adversarial != "pgd") throw new ArgumentException($"--adversarial {Adversarial}: the only adversarial training is pgd");
                if (AdvSteps < 1) throw new ArgumentException($"--adv-steps must be at least 1, got {AdvSteps}");
                AdversarialOptions().Validate();
            }
            if (CalibrateSharpRatio is not null && CalibrateMadds is not null)
                throw new ArgumentException($"--calibrate-sharp-ratio {CalibrateSharpRatio} and --calibrate-madds {CalibrateMadds} exclude each other (choose one)");
        }
    }

    /// <summary>
    /// `cac train --resume DIR`: continues the run saved in <paramref name="dir"/> from its next epoch. <paramref name="given"/>
    /// holds the options typed on the command line (by name, e.g. "--epochs"), checked against the saved settings.
    /// </summary>
    internal static int Resume(string dir, IReadOnlyDictionary<string, object?> given, Action<int>? afterEpoch = null)
    {
        var state = TrainingState.Load(dir);
        var s = TrainingStateSettings.Resolve(state, dir, given);
        int done = state.Document.EpochsDone;
        if (done >= s.Epochs)
        {
            Console.WriteLine($"{dir}: {done} of {s.Epochs} epoch(s) already trained; nothing to do (raise --epochs to train longer)");
            return 0;
        }
        return Run(s, state, afterEpoch);
    }

    /// <summary>
    /// Trains per <paramref name="s"/>; with <paramref name="resumeFrom"/>, restores that state first and continues after its
    /// last epoch. <paramref name="afterEpoch"/> is called with the epoch count once an epoch's files are all written.
    /// </summary>
    internal static int Run(TrainSettings s, TrainingState? resumeFrom = null, Action<int>? afterEpoch = null)
    {
        s.Validate();
        using var kernels = CpuKernelsOption.Use(s.CpuKernels);
        var badImages = LoaderOptions.ParsePolicy(s.BadImages);
        var train = DatasetCatalog.Load(s.Dataset, s.DataDir, train: true, badImages);
        var test = DatasetCatalog.Load(s.Dataset, s.DataDir, train: false, badImages);
        Generator.ManualSeed(s.Seed);
        var net = ModelRegistry.Create(s.Model, train.ImageShape.Channels, train.ClassCount, new Generator(s.Seed), s.BuildOptions());
        foreach (var layer in net.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>())
        {
            layer.ScoreGradient = s.ScoreGradient();
            layer.ScoreTemperature = s.ThresholdTemperature;
        }
        string outDir = s.OutDir ?? Path.Combine("runs", $"{s.Model}-{s.Dataset}");
        Directory.CreateDirectory(outDir);

        var info = DatasetCatalog.Info(s.Dataset);
        var normalize = info.Normalize();
        // Adversarial training attacks pixels in [0, 1]: the normalisation moves from the loaders into the trained model.
        IImageTransform? loaderNormalize = s.Adversarial is null ? normalize : null;
        // The paper's augmentation (CIFAR: random crop of the 4-padded image and flip; ImageNet: RandomResizedCrop and flip).
        var trainTransform = Compose.Chain([.. info.TrainAugmentation(), loaderNormalize]);
        var testTransform = Compose.Chain([.. info.EvalPreprocessing(), loaderNormalize]);
        if (s.Init is not null && resumeFrom is null) ReportInit(CheckpointInit.Load(net, s.Init), s.Init);
        var device = DeviceSelection.Open(s.Device);
        net.To(device);
        var trainLoader = new DataLoader(train, s.BatchSize, shuffle: true, seed: s.Seed, transform: trainTransform, limit: s.Limit, device: device,
            workers: s.Workers, badSamples: badImages);
        var testLoader = new DataLoader(test, 500, shuffle: false, seed: s.Seed, transform: testTransform, limit: s.Limit, device: device,
            workers: s.Workers, badSamples: badImages);
        // The module the loaders' images go into: the network, or for adversarial training the network behind the normalisation.
        Module trained = s.Adversarial is null ? net : InputNormalization.Wrap(net, info.Mean, info.Std).To(device);
        var adversarial = s.Adversarial is null ? null : new AdversarialTraining(trained, s.AdversarialOptions(), s.Seed);
        var optimizer = new Sgd(net.Parameters(), s.Lr, momentum: s.Momentum, weightDecay: s.WeightDecay, nesterov: s.Momentum > 0);
        optimizer.ScaleLearningRate(ContentAwareConv2d.Thresholds(net), s.ThresholdLrScale);
        if (s.ThresholdLrNorm && CostAwareObjective.HasContentAwareLayers(net))
        {
            using var first = trainLoader.Epoch(0).First();
            var scales = CacScoreScale.NormaliseLearningRates(trained, optimizer, first.Images, s.ThresholdLrScale);
            AnsiConsole.MarkupLine("threshold lr normalised by mean G: " + Markup.Escape(string.Join(", ", scales.Select(scale => $"{scale.Name} {scale.MeanG:G3}"))));
        }
        LrScheduler? epochScheduler = s.Schedule == "multistep" ? new MultiStepLR(optimizer, Milestones.For(s.Milestones, s.Epochs)) : null;
        LrScheduler? batchScheduler = s.Schedule == "cosine" ? new CosineAnnealingLR(optimizer, s.Epochs * trainLoader.Count) : null;
        // Content-aware models: cost-aware objective (built before training: it runs one counting pass) and cost report.
        var cost = CostAwareObjective.HasContentAwareLayers(net)
            ? CostAwareObjective.For(net, [1, trainLoader.OutputShape.Channels, trainLoader.OutputShape.Height, trainLoader.OutputShape.Width], s.Lambda)
            : null;
        if (resumeFrom is null && (s.CalibrateSharpRatio is not null || s.CalibrateMadds is not null)) Calibrate(net, cost, train, Compose.Chain([.. info.EvalPreprocessing(), normalize])!, s, device);
        var monitor = cost is null ? null : new CacCostMonitor(cost);
        var ramp = cost is not null && (s.LambdaWarmup > 0 || s.LambdaRamp > 0)
            ? Cac.Nn.LambdaRamp.FromFractions(s.Lambda, (long)s.Epochs * trainLoader.Count, s.LambdaWarmup, s.LambdaRamp) : null;
        Func<Tensor, Tensor>? objective = cost is null || s.Lambda == 0 ? null
            : ramp is null ? cost.Loss
            : loss => { cost.Lambda = ramp.At(optimizer.StepCount); return cost.Loss(loss); };
        var trainer = new Trainer(trained, optimizer, objective, batchScheduler, adversarial is null ? null : adversarial.Examples);
        var reportContext = RunReportContext.Measure(s, net, s.Model, [1, trainLoader.OutputShape.Channels, trainLoader.OutputShape.Height, trainLoader.OutputShape.Width], train.ClassCount);

        AnsiConsole.MarkupLine($"[bold]cac train[/] {s.Model} on {s.Dataset}: {trainLoader.SampleCount} train / {testLoader.SampleCount} test images, " +
                               $"{net.ParameterCount():N0} parameters, {s.Epochs} epoch(s), batch {s.BatchSize}, lr {s.Lr} ({s.Schedule}), device {device}" +
                               (device.Kind == DeviceKind.Cpu ? $", cpu kernels {s.CpuKernels}" : ""));
        if (adversarial is not null)
            AnsiConsole.MarkupLine(FormattableString.Invariant($"adversarial training: PGD-{adversarial.Options.Steps} examples of every batch, eps {adversarial.Options.Epsilon * 255:0.##}/255, ") +
                                   FormattableString.Invariant($"step {adversarial.Options.StepSize * 255:0.##}/255, random start, attack in training mode"));
        if (cost is not null)
            AnsiConsole.MarkupLine($"content-aware: {cost.Layers.Count} CAC layer(s), objective loss * (MAdds / {cost.BaselineMadds / 1e6:F2}M)^{cost.Lambda}" +
                                   (cost.Lambda == 0 ? " (disabled: plain cross-entropy)" : "") +
                                   (s.ThresholdLrScale != 1 ? $", thresholds at {s.ThresholdLrScale} x lr" : "") +
                                   (s.ScoreGradient() == CacScoreGradient.Sigmoid ? $", sigmoid threshold gradient (temperature {s.ThresholdTemperature} x mean G)" : ""));
        var metrics = new RunMetrics(s.Model, s.Dataset, net.ParameterCount(), s.Seed, s.BatchSize, []);
        int firstEpoch = 0;
        if (resumeFrom is not null)
        {
            // After everything is built (building draws from the generators), so the restored states are the ones that continue.
            firstEpoch = resumeFrom.Restore(net, optimizer, epochScheduler, batchScheduler, trainLoader.Count);
            metrics = resumeFrom.Document.Metrics;
            AnsiConsole.MarkupLine($"resumed {Markup.Escape(resumeFrom.Path)}: {firstEpoch} epoch(s) done, continuing at epoch {firstEpoch + 1}/{s.Epochs}, lr {optimizer.LearningRate}" +
                                   (s.Epochs != resumeFrom.Document.Settings.Epochs && s.Schedule != "constant"
                                       ? $" (the {s.Schedule} schedule now spans {s.Epochs} epochs instead of {resumeFrom.Document.Settings.Epochs})" : ""));
        }
        for (int epoch = firstEpoch; epoch < s.Epochs; epoch++)
        {
            double lrNow = optimizer.LearningRate;
            var result = TrainWithProgress(trainer, trainLoader, epoch, s.Epochs);
            if (s.BnRecalibrate > 0)
            {
                // The test pass with the running statistics training left, for comparison; training itself never reads them.
                monitor?.BeginPass();
                double stale = trainer.Evaluate(testLoader).Top1;
                var staleCost = monitor?.EndPass();
                BatchNormRecalibration.Recalibrate(trained, ImagesOf(trainLoader.Epoch(1000 + epoch).Take(s.BnRecalibrate)));
                AnsiConsole.MarkupLine($"  before BN recalibration on {s.BnRecalibrate} batch(es): test acc {stale:P2}" +
                                       (staleCost is null ? "" : $", {Markup.Escape(staleCost.Describe())}"));
            }
            monitor?.BeginPass();
            var testPass = trainer.Evaluate(testLoader);
            double testAccuracy = testPass.Top1;
            var passCost = monitor?.EndPass();
            epochScheduler?.Step();
            metrics.Epochs.Add(new EpochMetrics(epoch + 1, result.Loss, result.Accuracy, testAccuracy, result.Seconds, result.ImagesPerSecond, lrNow,
                passCost?.Madds, passCost?.BaselineMadds, passCost?.Ratio, passCost?.SharpRatios, testPass.Top5));
            AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), JsonSerializer.Serialize(metrics, JsonOptions));
            foreach (var problem in RunReport.Write(outDir, metrics, reportContext)) AnsiConsole.MarkupLine($"[yellow]report: not drawn: {Markup.Escape(problem)}[/]");
            SafeTensors.Save(Path.Combine(outDir, "model.safetensors"), net.StateDict(), s.Checkpoint().ToMetadata());
            // Last: the resumable state is the commit point of the epoch (one self-contained file; see TrainingState).
            TrainingState.Save(outDir, s, epoch + 1, trainLoader.Count, trainLoader.Seed, net, optimizer, epochScheduler, batchScheduler, metrics);
            AnsiConsole.MarkupLine($"epoch {epoch + 1}/{s.Epochs}: train loss {result.Loss:F4}, train acc {result.Accuracy:P2}, " +
                                   $"[bold]test acc {testAccuracy:P2}[/]{(testPass.Top5 is { } top5 ? $" (top-5 {top5:P2})" : "")}, {result.Seconds:F1} s, {result.ImagesPerSecond:F0} img/s");
            if (passCost is not null) AnsiConsole.MarkupLine($"  test pass: {Markup.Escape(passCost.Describe())}");
            afterEpoch?.Invoke(epoch + 1);
        }
        LoaderOptions.ReportSkipped(Console.Error, trainLoader, testLoader);
        if (cost is not null) DrawMasks(s, outDir, metrics, reportContext);
        AnsiConsole.MarkupLine($"wrote {Path.Combine(outDir, "metrics.json")}, {Path.Combine(outDir, "model.safetensors")} and {Path.Combine(outDir, RunReport.ReportFile)}");
        return 0;
    }

    // The images of each batch, each batch released once the next is asked for (--bn-recalibrate).
    private static IEnumerable<Tensor> ImagesOf(IEnumerable<Batch> batches)
    {
        foreach (var batch in batches)
        {
            try { yield return batch.Images; }
            finally { batch.Dispose(); }
        }
    }

    // Content-aware models: the paper's Fig. 3 (sharp masks of a few test images) from the final weights, linked from the report.
    private static void DrawMasks(TrainSettings s, string outDir, RunMetrics metrics, RunReportContext reportContext)
    {
        var figures = Path.Combine(outDir, RunReport.MaskFolder);
        VisualizeCommand.Run(new VisualizeCommand.VisualizeSettings(s.Model, Path.Combine(outDir, "model.safetensors"), s.Dataset, s.DataDir, figures,
            Images: 4, Limit: s.Limit, Device: s.Device), TextWriter.Null);
        foreach (var problem in RunReport.Write(outDir, metrics, reportContext)) AnsiConsole.MarkupLine($"[yellow]report: not drawn: {Markup.Escape(problem)}[/]");
        AnsiConsole.MarkupLine($"sharp masks of 4 test images in {Markup.Escape(figures)}");
    }

    // --calibrate-sharp-ratio / --calibrate-madds: thresholds from the first 512 training images (in file order), before any training step.
    private static void Calibrate(Module net, CostAwareObjective? cost, IImageDataset train, IImageTransform transform, TrainSettings s, Device device)
    {
        string option = s.CalibrateSharpRatio is not null ? "--calibrate-sharp-ratio" : "--calibrate-madds";
        if (cost is null) throw new ArgumentException($"{option}: model '{s.Model}' has no content-aware layer (use a cac-* model)");
        var loader = new DataLoader(train, 512, shuffle: false, seed: s.Seed, transform: transform, limit: s.Limit, device: device);
        using var batch = loader.Epoch(0).First();
        if (s.CalibrateSharpRatio is { } sharpRatio)
        {
            var reached = CacThresholdCalibration.Calibrate(net, batch.Images, sharpRatio);
            AnsiConsole.MarkupLine($"calibrated {reached.Count} CAC threshold(s) to sharp ratio {sharpRatio} on {batch.Size} training images: " +
                                   string.Join(", ", reached.Select(r => $"{r.SharpRatio:F2}")));
            return;
        }
        double fraction = s.CalibrateMadds!.Value;
        AnsiConsole.MarkupLine($"calibrating {cost.Layers.Count} CAC threshold(s) to {fraction:P1} of the standard MAdds on {batch.Size} training images");
        var budget = CacBudgetCalibration.Calibrate(cost, batch.Images, batch.Labels, fraction, line => Console.WriteLine($"  {line}"));
        AnsiConsole.MarkupLine($"calibrated: MAdds {budget.Madds / 1e6:F2}M of {cost.BaselineMadds / 1e6:F2}M; sharp ratios " +
                               Markup.Escape(string.Join(", ", budget.SharpRatios.Select(c => $"{c.Layer} {c.SharpRatio:F2}"))));
    }

    private static void ReportInit(CheckpointInitResult init, string path)
    {
        AnsiConsole.MarkupLine($"init: {init.Loaded} tensor(s) from {Markup.Escape(path)}");
        if (init.Missing.Count > 0)
        {
            bool thresholdsOnly = init.Missing.All(k => k.EndsWith(".gamma", StringComparison.Ordinal) || k.EndsWith(".beta", StringComparison.Ordinal));
            string which = thresholdsOnly ? $"gamma and beta of {init.Missing.Count(k => k.EndsWith(".beta", StringComparison.Ordinal))} content-aware layer(s)" : Abbreviate(init.Missing);
            AnsiConsole.MarkupLine($"init: {init.Missing.Count} key(s) missing from the checkpoint, left at their initial values: {Markup.Escape(which)}");
        }
        if (init.Unexpected.Count > 0)
            AnsiConsole.MarkupLine($"init: {init.Unexpected.Count} checkpoint key(s) not in the model, ignored: {Markup.Escape(Abbreviate(init.Unexpected))}");

        static string Abbreviate(IReadOnlyList<string> keys) =>
            string.Join(", ", keys.Take(8)) + (keys.Count > 8 ? $", ... ({keys.Count - 8} more)" : "");
    }

    private static EpochResult TrainWithProgress(Trainer trainer, DataLoader loader, int epoch, int epochs)
    {
        string Describe(BatchProgress p) => $"epoch {epoch + 1}/{epochs}  loss {p.Loss:F4}  acc {p.Accuracy:P1}  {p.ImagesPerSecond:F0} img/s";
        double? firstBatchLoss = null;
        EpochResult result = default;
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // Logs and CI: a line every ~10% of the epoch instead of a live bar.
            int every = Math.Max(1, loader.Count / 10);
            result = trainer.TrainEpoch(loader, epoch, p =>
            {
                if (p.Batch == 1) firstBatchLoss = p.Loss;
                if (p.Batch % every == 0 || p.Batch == p.Batches) Console.WriteLine($"  [{p.Batch}/{p.Batches}] {Describe(p)}");
            });
        }
        else
        {
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"epoch {epoch + 1}/{epochs}", maxValue: loader.Count);
                    result = trainer.TrainEpoch(loader, epoch, p =>
                    {
                        if (p.Batch == 1) firstBatchLoss = p.Loss;
                        task.Value = p.Batch;
                        task.Description = Markup.Escape(Describe(p));
                    });
                });
        }
        // The first step's loss, in full: compares backends (`--device cpu` vs `--device ilgpu-cpu`).
        if (epoch == 0) Console.WriteLine($"first batch loss {firstBatchLoss:F6}");
        return result;
    }
}
