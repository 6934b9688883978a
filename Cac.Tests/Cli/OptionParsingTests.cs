using System.CommandLine;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Cli.Devices;
using Cac.Nn;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>
/// Each command's option-to-settings mapping (<c>SettingsFrom</c>) on real command lines, parsed by <see cref="Program.BuildRoot"/>
/// and run by nothing. Every option gets a value of its own (no two alike, none a default), so a swapped or dropped field fails.
/// </summary>
public class OptionParsingTests
{
    // One command line per command naming every option it has (Every_option_is_on_its_commands_full_command_line checks that).
    private static readonly string[] Train =
    [
        "train", "--model", "cac-resnet56", "--dataset", "mnist", "--data", "/d/train", "--epochs", "7", "--batch-size", "33",
        "--lr", "0.123", "--schedule", "multistep", "--milestones", "3,5", "--momentum", "0.91", "--weight-decay", "0.00037", "--limit", "444", "--seed", "55",
        "--out", "/o/train", "--lambda", "0.066", "--threshold-lr-scale", "2.5", "--calibrate-sharp-ratio", "0.37", "--calibrate-madds", "0.61",
        "--lambda-warmup", "0.2", "--lambda-ramp", "0.3", "--bn-recalibrate", "17", "--threshold-lr-norm", "false",
        "--threshold-gradient", "gated", "--threshold-temperature", "0.4",
        "--cac-sample", "top-left", "--alpha", "0.25", "--adversarial", "pgd", "--adv-steps", "4", "--adv-eps", "0.02", "--adv-step-size", "0.006",
        "--init", "/i/init.safetensors", "--device", "ilgpu-cpu", "--cpu-kernels", "reference", "--resume", "/r/train", "--task", "segmentation",
        "--workers", "5", "--bad-images", "skip",
    ];

    private static readonly string[] Attack =
    [
        "attack", "--model", "cac-resnet32", "--weights", "/w/attack.safetensors", "--dataset", "cifar10", "--data", "/d/attack", "--method", "mifgsm",
        "--steps", "6", "--eps", "0.05", "--step-size", "0.01", "--random-start", "false", "--limit", "21", "--batch-size", "9", "--seed", "4",
        "--json", "--save-examples", "/o/attack", "--device", "ilgpu-cpu", "--cpu-kernels", "gemm",
    ];

    private static readonly string[] MakeFashionMnistFolder =
    [
        "make-dataset", "fashion-mnist-folder", "--out", "/o/folder", "--size", "48", "--data", "/d/folder", "--limit", "77",
    ];

    private static readonly string[] Madds =
    [
        "madds", "--model", "oct-resnet56", "--json", "--input-size", "29", "--in-channels", "2", "--classes", "7",
        "--weights", "/w/madds.safetensors", "--dataset", "mnist", "--data", "/d/madds", "--limit", "13",
    ];

    private static readonly string[] Visualize =
    [
        "visualize", "--model", "cac-resnet32", "--weights", "/w/visualize.safetensors", "--dataset", "cifar10", "--data", "/d/visualize",
        "--out", "/o/visualize", "--images", "6", "--limit", "77", "--device", "opencl",
    ];

    private static readonly string[] Eval =
    [
        "eval", "--model", "resnet44", "--weights", "/w/eval.safetensors", "--dataset", "cifar100", "--data", "/d/eval", "--limit", "88",
        "--batch-size", "17", "--json", "--device", "cuda", "--cpu-kernels", "gemm", "--workers", "3", "--bad-images", "skip",
    ];

    private static readonly string[] Predict =
    [
        "predict", "--model", "resnet110", "--weights", "/w/predict.safetensors", "--input", "/i/in.npy", "--output", "/o/out.npy",
        "--batch-size", "19", "--classes", "11", "--in-channels", "5", "--device", "ilgpu-cpu",
    ];

    private static readonly string[] Models = ["models", "--json", "--filter", "oct"];

    private static readonly string[] Download = ["download", "--dataset", "cifar10", "--dir", "/d/download", "--base-url", "http://mirror.example/cifar"];

    private static readonly string[] Bench =
    [
        "bench", "--json", "--quick", "--compare-pytorch", "--python", "/p/python3.12", "--pytorch-script", "/s/reference.py",
        "--filter", "conv3x3", "--device", "opencl", "--cpu-kernels", "reference",
    ];

    private static readonly string[] BenchCac = ["bench", "cac", "--json", "--quick", "--device", "cuda"];

    private static readonly string[] Devices = ["devices"];

    private static readonly string[] Reproduce =
    [
        "reproduce", "table1", "--scale", "paper", "--dataset", "cifar10", "--data", "/d", "--device", "cpu", "--cpu-kernels", "gemm", "--out", "/o",
        "--models", "resnet20", "--limit", "5", "--epochs", "3", "--seed", "2", "--json",
    ];

    public static TheoryData<string[]> FullCommandLines => [Train, Madds, Visualize, Eval, Attack, Predict, Models, Download, Bench, BenchCac, Devices, Reproduce, MakeFashionMnistFolder];

    // Parses with the real command tree and insists that the line parsed cleanly.
    private static ParseResult Parse(params string[] args)
    {
        var parse = Program.BuildRoot().Parse(args);
        parse.Errors.Select(e => e.Message).Should().BeEmpty();
        return parse;
    }

    [Theory]
    [MemberData(nameof(FullCommandLines))]
    public void Every_option_is_on_its_commands_full_command_line(string[] line)
    {
        var command = Parse(line).CommandResult.Command;
        line.Where(t => t.StartsWith("--", StringComparison.Ordinal)).Should().BeEquivalentTo(command.Options.Select(o => o.Name),
            "a new option of `cac {0}` needs a value on its full command line here and a check of where it lands", string.Join(" ", line.TakeWhile(t => !t.StartsWith('-'))));
    }

    [Fact]
    public void Train_maps_every_option_to_its_own_field()
    {
        TrainCommand.SettingsFrom(Parse(Train)).Should().Be(new TrainCommand.TrainSettings(
            Model: "cac-resnet56", Dataset: "mnist", DataDir: "/d/train", Epochs: 7, BatchSize: 33, Lr: 0.123, Schedule: "multistep",
            Momentum: 0.91, WeightDecay: 0.00037, Limit: 444, Seed: 55, OutDir: "/o/train", Lambda: 0.066, Init: "/i/init.safetensors",
            Device: "ilgpu-cpu", ThresholdLrScale: 2.5, CalibrateSharpRatio: 0.37, CalibrateMadds: 0.61, Milestones: "3,5", CacSample: "top-left", Alpha: 0.25, CpuKernels: "reference",
            LambdaWarmup: 0.2, LambdaRamp: 0.3, BnRecalibrate: 17, ThresholdLrNorm: false, ThresholdGradient: "gated", ThresholdTemperature: 0.4,
            Adversarial: "pgd", AdvSteps: 4, AdvEps: 0.02, AdvStepSize: 0.006, Task: "segmentation", Workers: 5, BadImages: "skip"));
    }

    [Fact]
    public void Attack_maps_every_option_to_its_own_field()
    {
        AttackCommand.SettingsFrom(Parse(Attack)).Should().Be(new AttackCommand.AttackSettings(
            Model: "cac-resnet32", Weights: "/w/attack.safetensors", Dataset: "cifar10", DataDir: "/d/attack", Method: "mifgsm", Steps: 6,
            Eps: 0.05, StepSize: 0.01, RandomStart: false, Limit: 21, BatchSize: 9, Seed: 4, Json: true, SaveExamples: "/o/attack",
            Device: "ilgpu-cpu", CpuKernels: "gemm"));
    }

    [Fact]
    public void Train_defaults()
    {
        TrainCommand.SettingsFrom(Parse("train")).Should().Be(new TrainCommand.TrainSettings(
            Model: "cac-resnet20", Dataset: "fashion-mnist", DataDir: null, Epochs: 1, BatchSize: 128, Lr: 0.1, Schedule: "cosine",
            Momentum: 0.9, WeightDecay: 1e-4, Limit: null, Seed: 0, OutDir: null, Lambda: CostAwareObjective.DefaultLambda, Init: null,
            Device: "auto", ThresholdLrScale: 1, CalibrateSharpRatio: null, CalibrateMadds: null, Milestones: null, CacSample: "centre", Alpha: null, CpuKernels: "fast",
            LambdaWarmup: 0, LambdaRamp: 0, BnRecalibrate: 0, ThresholdLrNorm: true, ThresholdGradient: "sigmoid", ThresholdTemperature: 0.5));
    }

    [Theory]
    [InlineData("reference", CpuKernelChoice.Reference)]
    [InlineData("gemm", CpuKernelChoice.Gemm)]
    [InlineData("fast", CpuKernelChoice.Fast)]
    public void Cpu_kernels_name_the_three_choices(string value, CpuKernelChoice choice)
    {
        CpuKernelsOption.Parse(TrainCommand.SettingsFrom(Parse("train", "--cpu-kernels", value)).CpuKernels).Should().Be(choice);
        CpuKernelsOption.Parse(EvalCommand.SettingsFrom(Parse("eval", "--model", "resnet20", "--weights", "w", "--dataset", "mnist",
            "--cpu-kernels", value)).CpuKernels).Should().Be(choice);
        CpuKernelsOption.Parse(BenchCommand.SettingsFrom(Parse("bench", "--cpu-kernels", value)).CpuKernels).Should().Be(choice);
    }

    [Fact]
    public void Cpu_kernels_reject_other_names()
    {
        Program.BuildRoot().Parse(["train", "--cpu-kernels", "winograd"]).Errors.Should().NotBeEmpty();
    }

    [Fact]
    public void Train_resume_is_given_only_the_options_typed_with_their_values()
    {
        TrainCommand.GivenOptions(Parse("train", "--resume", "/r/run", "--epochs", "9", "--lr", "0.123", "--limit", "444", "--device", "cpu",
                "--calibrate-madds", "0.61"))
            .Should().BeEquivalentTo(new Dictionary<string, object?>
            {
                ["--epochs"] = 9, ["--lr"] = 0.123, ["--limit"] = 444, ["--device"] = "cpu", ["--calibrate-madds"] = 0.61,
            });
        TrainCommand.GivenOptions(Parse("train", "--resume", "/r/run")).Should().BeEmpty("defaults are not checked against the saved run");
        TrainCommand.GivenOptions(Parse(Train)).Keys.Should().BeEquivalentTo(
            Train.Where(t => t.StartsWith("--", StringComparison.Ordinal) && t != "--resume"), "every option but --resume is checked");
    }

    [Fact]
    public void Madds_maps_every_option_to_its_own_field()
    {
        MaddsCommand.SettingsFrom(Parse(Madds)).Should().Be(new MaddsCommand.MaddsSettings(
            Model: "oct-resnet56", Json: true, InputSize: 29, InChannels: 2, Classes: 7, Weights: "/w/madds.safetensors", Dataset: "mnist",
            DataDir: "/d/madds", Limit: 13));
    }

    [Fact]
    public void Madds_defaults()
    {
        MaddsCommand.SettingsFrom(Parse("madds", "--model", "resnet20")).Should().Be(new MaddsCommand.MaddsSettings(
            Model: "resnet20", Json: false, InputSize: null, InChannels: null, Classes: null, Weights: null, Dataset: null, DataDir: null, Limit: null));
    }

    [Fact]
    public void Visualize_maps_every_option_to_its_own_field()
    {
        VisualizeCommand.SettingsFrom(Parse(Visualize)).Should().Be(new VisualizeCommand.VisualizeSettings(
            Model: "cac-resnet32", Weights: "/w/visualize.safetensors", Dataset: "cifar10", DataDir: "/d/visualize", OutDir: "/o/visualize",
            Images: 6, Limit: 77, Device: "opencl"));
    }

    [Fact]
    public void Visualize_defaults()
    {
        VisualizeCommand.SettingsFrom(Parse("visualize", "--model", "cac-resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist"))
            .Should().Be(new VisualizeCommand.VisualizeSettings(
                Model: "cac-resnet20", Weights: "w.safetensors", Dataset: "fashion-mnist", DataDir: null, OutDir: null, Images: 4, Limit: null, Device: "auto"));
    }

    [Fact]
    public void Eval_maps_every_option_to_its_own_field()
    {
        EvalCommand.SettingsFrom(Parse(Eval)).Should().Be(new EvalCommand.EvalSettings(
            Model: "resnet44", Weights: "/w/eval.safetensors", Dataset: "cifar100", DataDir: "/d/eval", Limit: 88, BatchSize: 17, Json: true,
            Device: "cuda", CpuKernels: "gemm", Workers: 3, BadImages: "skip"));
    }

    [Fact]
    public void Make_fashion_mnist_folder_maps_every_option_to_its_own_field_and_defaults()
    {
        MakeFashionMnistFolderCommand.SettingsFrom(Parse(MakeFashionMnistFolder)).Should().Be(
            new MakeFashionMnistFolderCommand.Settings(Out: "/o/folder", Size: 48, DataDir: "/d/folder", Limit: 77));
        MakeFashionMnistFolderCommand.SettingsFrom(Parse("make-dataset", "fashion-mnist-folder", "--out", "x")).Should().Be(
            new MakeFashionMnistFolderCommand.Settings(Out: "x", Size: 64, DataDir: null, Limit: null));
    }

    [Fact]
    public void Eval_defaults()
    {
        EvalCommand.SettingsFrom(Parse("eval", "--model", "resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist"))
            .Should().Be(new EvalCommand.EvalSettings(
                Model: "resnet20", Weights: "w.safetensors", Dataset: "fashion-mnist", DataDir: null, Limit: null, BatchSize: 250, Json: false, Device: "auto", CpuKernels: "fast"));
    }

    [Fact]
    public void Predict_maps_every_option_to_its_own_field()
    {
        PredictCommand.SettingsFrom(Parse(Predict)).Should().Be(new PredictCommand.PredictSettings(
            Model: "resnet110", Weights: "/w/predict.safetensors", Input: "/i/in.npy", Output: "/o/out.npy", BatchSize: 19, Classes: 11,
            InChannels: 5, Device: "ilgpu-cpu"));
    }

    [Fact]
    public void Predict_defaults()
    {
        PredictCommand.SettingsFrom(Parse("predict", "--model", "resnet20", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy"))
            .Should().Be(new PredictCommand.PredictSettings(
                Model: "resnet20", Weights: "w.safetensors", Input: "x.npy", Output: "y.npy", BatchSize: 256, Classes: null, InChannels: null, Device: "auto"));
    }

    [Fact]
    public void Models_maps_every_option_and_defaults()
    {
        ModelsCommand.SettingsFrom(Parse(Models)).Should().Be(new ModelsCommand.ModelsSettings(Json: true, Filter: "oct"));
        ModelsCommand.SettingsFrom(Parse("models")).Should().Be(new ModelsCommand.ModelsSettings(Json: false, Filter: null));
    }

    [Fact]
    public void Download_maps_every_option_and_defaults()
    {
        DownloadCommand.SettingsFrom(Parse(Download)).Should().Be(
            new DownloadCommand.DownloadSettings(Dataset: "cifar10", Dir: "/d/download", BaseUrl: "http://mirror.example/cifar", Both: false));
        DownloadCommand.SettingsFrom(Parse("download")).Should().Be(new DownloadCommand.DownloadSettings(Dataset: null, Dir: "data", BaseUrl: null, Both: false));
    }

    [Fact]
    public void Download_takes_the_dataset_as_argument_and_data_as_an_alias_of_dir()
    {
        DownloadCommand.SettingsFrom(Parse("download", "mnist", "--data", "/d/alias")).Should().Be(
            new DownloadCommand.DownloadSettings(Dataset: "mnist", Dir: "/d/alias", BaseUrl: null, Both: false));
        DownloadCommand.SettingsFrom(Parse("download", "MNIST", "--dataset", "mnist")).Both.Should().BeFalse("the same dataset named twice");
        DownloadCommand.SettingsFrom(Parse("download", "mnist", "--dataset", "cifar10")).Should().Be(
            new DownloadCommand.DownloadSettings(Dataset: "mnist", Dir: "data", BaseUrl: null, Both: true));
    }

    [Fact]
    public void Bench_maps_every_option_and_defaults()
    {
        BenchCommand.SettingsFrom(Parse(Bench)).Should().Be(new BenchCommand.BenchSettings(
            Json: true, Quick: true, ComparePyTorch: true, Python: "/p/python3.12", PyTorchScript: "/s/reference.py", Filter: "conv3x3", Device: "opencl", CpuKernels: "reference"));
        BenchCommand.SettingsFrom(Parse("bench")).Should().Be(new BenchCommand.BenchSettings(
            Json: false, Quick: false, ComparePyTorch: false, Python: "/usr/bin/python3", PyTorchScript: null, Filter: null, Device: "cpu", CpuKernels: "fast"));
    }

    [Theory]
    [InlineData("--json", true, false, false)]
    [InlineData("--quick", false, true, false)]
    [InlineData("--compare-pytorch", false, false, true)]
    public void Bench_flags_each_set_their_own_field(string flag, bool json, bool quick, bool compare)
    {
        var s = BenchCommand.SettingsFrom(Parse("bench", flag));
        (s.Json, s.Quick, s.ComparePyTorch).Should().Be((json, quick, compare));
    }

    [Fact]
    public void Bench_cac_maps_every_option_and_defaults()
    {
        BenchCommand.CacSettingsFrom(Parse(BenchCac)).Should().Be(new BenchCommand.CacBenchSettings(Json: true, Quick: true, Device: "cuda"));
        BenchCommand.CacSettingsFrom(Parse("bench", "cac")).Should().Be(new BenchCommand.CacBenchSettings(Json: false, Quick: false, Device: "cpu"));
        BenchCommand.CacSettingsFrom(Parse("bench", "cac", "--json")).Should().Be(new BenchCommand.CacBenchSettings(Json: true, Quick: false, Device: "cpu"));
        BenchCommand.CacSettingsFrom(Parse("bench", "cac", "--quick")).Should().Be(new BenchCommand.CacBenchSettings(Json: false, Quick: true, Device: "cpu"));
    }
}
