using Cac.Cli;
using Cac.Serialization;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>
/// A bad value for each option, through <see cref="Program.Main"/>: a non-zero exit and one line on stderr, "error: ...",
/// naming the option or the value, without a stack trace. Each fails before any training, download or benchmark starts.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class OptionErrorTests : IDisposable
{
    private const string Missing = "/nonexistent-cac-test";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // Runs `cac args` and returns its one stderr line, after checking the exit code and that the line is all there is.
    private static string ErrorOf(params string[] args)
    {
        var (code, _, stderr) = ConsoleCollection.Capture(() => Program.Main(args));
        code.Should().NotBe(0, stderr);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().ContainSingle("stderr was:\n{0}", stderr).Which.Should().StartWith("error: ");
        return lines[0];
    }

    [Theory]
    [InlineData("'x' for option '--epochs'", "train", "--epochs", "x")]
    [InlineData("--epochs must be at least 1, got 0", "train", "--epochs", "0")]
    [InlineData("'x' for option '--batch-size'", "train", "--batch-size", "x")]
    [InlineData("--batch-size must be at least 1, got 0", "train", "--batch-size", "0")]
    [InlineData("'x' for option '--lr'", "train", "--lr", "x")]
    [InlineData("--lr must be a positive number, got 0", "train", "--lr", "0")]
    [InlineData("--lr must be a positive number", "train", "--lr", "NaN")]
    [InlineData("--schedule: Argument 'hourly' not recognized", "train", "--schedule", "hourly")]
    [InlineData("--milestones '5,3': milestones must be strictly ascending", "train", "--schedule", "multistep", "--epochs", "9", "--milestones", "5,3")]
    [InlineData("--milestones '0,3': milestones must be positive", "train", "--schedule", "multistep", "--epochs", "9", "--milestones", "0,3")]
    [InlineData("--milestones '3,x': 'x' is not a whole number", "train", "--schedule", "multistep", "--epochs", "9", "--milestones", "3,x")]
    [InlineData("--milestones '3,9': every milestone must lie below --epochs 9", "train", "--schedule", "multistep", "--epochs", "9", "--milestones", "3,9")]
    [InlineData("--milestones '3' needs --schedule multistep (got cosine)", "train", "--epochs", "9", "--milestones", "3")]
    [InlineData("--cac-sample: Argument 'middle' not recognized", "train", "--cac-sample", "middle")]
    [InlineData("--cac-sample top-left: model 'resnet20' has no content-aware layer", "train", "--model", "resnet20", "--cac-sample", "top-left")]
    [InlineData("'x' for option '--alpha'", "train", "--alpha", "x")]
    [InlineData("--alpha 0.25: model 'cac-resnet20' has no octave layers", "train", "--alpha", "0.25")]
    [InlineData("--alpha must lie in (0, 1), got 1", "train", "--model", "oct-resnet20", "--alpha", "1")]
    [InlineData("'x' for option '--momentum'", "train", "--momentum", "x")]
    [InlineData("--momentum must be a finite number >= 0", "train", "--momentum", "-0.5")]
    [InlineData("--momentum must be a finite number >= 0", "train", "--momentum", "NaN")]
    [InlineData("'x' for option '--weight-decay'", "train", "--weight-decay", "x")]
    [InlineData("--weight-decay must be a finite number >= 0", "train", "--weight-decay", "-0.0001")]
    [InlineData("'x' for option '--limit'", "train", "--limit", "x")]
    [InlineData("--limit must be at least 1, got 0", "train", "--limit", "0")]
    [InlineData("'1.5' for option '--seed'", "train", "--seed", "1.5")]
    [InlineData("'x' for option '--lambda'", "train", "--lambda", "x")]
    [InlineData("--lambda must be a finite number >= 0", "train", "--lambda", "-1")]
    [InlineData("'x' for option '--threshold-lr-scale'", "train", "--threshold-lr-scale", "x")]
    [InlineData("--threshold-lr-scale must be a finite number >= 0", "train", "--threshold-lr-scale", "-2")]
    [InlineData("--lambda-warmup 0.7 and --lambda-ramp 0.5 must be fractions", "train", "--lambda-warmup", "0.7", "--lambda-ramp", "0.5")]
    [InlineData("--bn-recalibrate must be >= 0", "train", "--bn-recalibrate", "-1")]
    [InlineData("'x' for option '--calibrate-sharp-ratio'", "train", "--calibrate-sharp-ratio", "x")]
    [InlineData("--calibrate-sharp-ratio must lie in [0, 1]", "train", "--calibrate-sharp-ratio", "1.5")]
    [InlineData("'x' for option '--calibrate-madds'", "train", "--calibrate-madds", "x")]
    [InlineData("--calibrate-madds must lie in (0, 1]", "train", "--calibrate-madds", "0")]
    [InlineData("exclude each other", "train", "--calibrate-sharp-ratio", "0.5", "--calibrate-madds", "0.5")]
    [InlineData("--device: Argument 'tpu' not recognized", "train", "--device", "tpu")]
    [InlineData("unknown dataset 'imagenet-nope'", "train", "--dataset", "imagenet-nope")]
    [InlineData("unknown model 'resnet-nope'", "train", "--model", "resnet-nope")]
    [InlineData("--resume: directory '" + Missing + "' does not exist", "train", "--resume", Missing)]
    [InlineData("'--out'", "train", "--out")]
    [InlineData("'--bogus'", "train", "--bogus")]
    public void Train(string message, params string[] args) => ErrorOf(args).Should().Contain(message);

    [Fact]
    public void Train_init_names_a_missing_checkpoint()
    {
        string init = Path.Combine(_dir.Path, "missing.safetensors");
        ErrorOf("train", "--model", "resnet20", "--init", init, "--out", Path.Combine(_dir.Path, "run")).Should().Contain($"--init: checkpoint '{init}' not found");
    }

    [Fact]
    public void Train_data_names_an_unreadable_file()
    {
        ErrorOf("train", "--data", CorruptFashionMnist()).Should().Contain(_dir.Path);
    }

    [Theory]
    [InlineData("Option '--model' is required", "madds")]
    [InlineData("unknown model 'resnet-nope'", "madds", "--model", "resnet-nope")]
    [InlineData("'maybe'", "madds", "--model", "resnet20", "--json", "maybe")]
    [InlineData("'x' for option '--input-size'", "madds", "--model", "resnet20", "--input-size", "x")]
    [InlineData("--input-size must be at least 1, got 0", "madds", "--model", "resnet20", "--input-size", "0")]
    [InlineData("'x' for option '--in-channels'", "madds", "--model", "resnet20", "--in-channels", "x")]
    [InlineData("--in-channels must be at least 1, got 0", "madds", "--model", "resnet20", "--in-channels", "0")]
    [InlineData("'x' for option '--classes'", "madds", "--model", "resnet20", "--classes", "x")]
    [InlineData("--classes must be at least 1, got 0", "madds", "--model", "resnet20", "--classes", "0")]
    [InlineData("'x' for option '--limit'", "madds", "--model", "resnet20", "--dataset", "fashion-mnist", "--limit", "x")]
    [InlineData("--limit must be at least 1, got 0", "madds", "--model", "resnet20", "--dataset", "fashion-mnist", "--limit", "0")]
    [InlineData("--data and --limit need --dataset", "madds", "--model", "resnet20", "--limit", "5")]
    [InlineData("unknown dataset 'imagenet-nope'", "madds", "--model", "resnet20", "--dataset", "imagenet-nope")]
    [InlineData("--weights: file '" + Missing + "/w.safetensors' not found", "madds", "--model", "resnet20", "--weights", Missing + "/w.safetensors")]
    public void Madds(string message, params string[] args) => ErrorOf(args).Should().Contain(message);

    [Fact]
    public void Madds_data_names_an_unreadable_file()
    {
        ErrorOf("madds", "--model", "resnet20", "--dataset", "fashion-mnist", "--data", CorruptFashionMnist()).Should().Contain(_dir.Path);
    }

    [Theory]
    [InlineData("Option '--model' is required", "visualize", "--weights", "w.safetensors", "--dataset", "fashion-mnist")]
    [InlineData("Option '--weights' is required", "visualize", "--model", "cac-resnet20", "--dataset", "fashion-mnist")]
    [InlineData("Option '--dataset' is required", "visualize", "--model", "cac-resnet20", "--weights", "w.safetensors")]
    [InlineData("unknown model 'cac-resnet-nope'", "visualize", "--model", "cac-resnet-nope", "--weights", "w.safetensors", "--dataset", "fashion-mnist")]
    [InlineData("unknown dataset 'imagenet-nope'", "visualize", "--model", "cac-resnet20", "--weights", "w.safetensors", "--dataset", "imagenet-nope")]
    [InlineData("--weights: file '" + Missing + "/w.safetensors' not found", "visualize", "--model", "cac-resnet20", "--weights", Missing + "/w.safetensors", "--dataset", "fashion-mnist")]
    [InlineData("'x' for option '--images'", "visualize", "--model", "cac-resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--images", "x")]
    [InlineData("--images must be at least 0, got -1", "visualize", "--model", "cac-resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--images", "-1")]
    [InlineData("'x' for option '--limit'", "visualize", "--model", "cac-resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--limit", "x")]
    [InlineData("--limit must be at least 1, got 0", "visualize", "--model", "cac-resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--limit", "0")]
    [InlineData("--device: Argument 'tpu' not recognized", "visualize", "--model", "cac-resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--device", "tpu")]
    public void Visualize(string message, params string[] args) => ErrorOf(args).Should().Contain(message);

    [Fact]
    public void Visualize_data_names_an_unreadable_file()
    {
        string weights = Path.Combine(_dir.Path, "cac-resnet20.safetensors");
        WeightFiles.Save(weights, "cac-resnet20", inChannels: 1, classes: 10, seed: 1);
        ErrorOf("visualize", "--model", "cac-resnet20", "--weights", weights, "--dataset", "fashion-mnist", "--data", CorruptFashionMnist(),
            "--out", Path.Combine(_dir.Path, "figures")).Should().Contain(Path.Combine(_dir.Path, "fashion-mnist"));
    }

    [Theory]
    [InlineData("Option '--model' is required", "eval", "--weights", "w.safetensors", "--dataset", "fashion-mnist")]
    [InlineData("Option '--weights' is required", "eval", "--model", "resnet20", "--dataset", "fashion-mnist")]
    [InlineData("Option '--dataset' is required", "eval", "--model", "resnet20", "--weights", "w.safetensors")]
    [InlineData("unknown model 'resnet-nope'", "eval", "--model", "resnet-nope", "--weights", "w.safetensors", "--dataset", "fashion-mnist")]
    [InlineData("unknown dataset 'imagenet-nope'", "eval", "--model", "resnet20", "--weights", "w.safetensors", "--dataset", "imagenet-nope")]
    [InlineData("--weights: file '" + Missing + "/w.safetensors' not found", "eval", "--model", "resnet20", "--weights", Missing + "/w.safetensors", "--dataset", "fashion-mnist")]
    [InlineData("'x' for option '--batch-size'", "eval", "--model", "resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--batch-size", "x")]
    [InlineData("--batch-size must be at least 1, got 0", "eval", "--model", "resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--batch-size", "0")]
    [InlineData("'x' for option '--limit'", "eval", "--model", "resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--limit", "x")]
    [InlineData("--limit must be at least 1, got 0", "eval", "--model", "resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--limit", "0")]
    [InlineData("'maybe'", "eval", "--model", "resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--json", "maybe")]
    [InlineData("--device: Argument 'tpu' not recognized", "eval", "--model", "resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--device", "tpu")]
    public void Eval(string message, params string[] args) => ErrorOf(args).Should().Contain(message);

    [Fact]
    public void Eval_data_names_an_unreadable_file()
    {
        ErrorOf("eval", "--model", "resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist", "--data", CorruptFashionMnist())
            .Should().Contain(_dir.Path);
    }

    [Theory]
    [InlineData("Option '--model' is required", "predict", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy")]
    [InlineData("Option '--weights' is required", "predict", "--model", "resnet20", "--input", "x.npy", "--output", "y.npy")]
    [InlineData("Option '--input' is required", "predict", "--model", "resnet20", "--weights", "w.safetensors", "--output", "y.npy")]
    [InlineData("Option '--output' is required", "predict", "--model", "resnet20", "--weights", "w.safetensors", "--input", "x.npy")]
    [InlineData("--input: file '" + Missing + "/x.npy' not found", "predict", "--model", "resnet20", "--weights", "w.safetensors", "--input", Missing + "/x.npy", "--output", "y.npy")]
    [InlineData("'x' for option '--batch-size'", "predict", "--model", "resnet20", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy", "--batch-size", "x")]
    [InlineData("--batch-size must be at least 1, got 0", "predict", "--model", "resnet20", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy", "--batch-size", "0")]
    [InlineData("'x' for option '--classes'", "predict", "--model", "resnet20", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy", "--classes", "x")]
    [InlineData("--classes must be at least 1, got 0", "predict", "--model", "resnet20", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy", "--classes", "0")]
    [InlineData("'x' for option '--in-channels'", "predict", "--model", "resnet20", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy", "--in-channels", "x")]
    [InlineData("--in-channels must be at least 1, got 0", "predict", "--model", "resnet20", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy", "--in-channels", "0")]
    [InlineData("--device: Argument 'tpu' not recognized", "predict", "--model", "resnet20", "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy", "--device", "tpu")]
    public void Predict(string message, params string[] args) => ErrorOf(args).Should().Contain(message);

    [Theory]
    [InlineData("resnet-nope", "w.safetensors", "unknown model 'resnet-nope'")]
    [InlineData("resnet20", Missing + "/w.safetensors", "--weights: file '" + Missing + "/w.safetensors' not found")]
    public void Predict_model_and_weights_are_checked_against_a_real_input(string model, string weights, string message)
    {
        string input = Path.Combine(_dir.Path, "x.npy");
        Npy.Save(input, Tensor.Zeros([2, 1, 8, 8]));
        ErrorOf("predict", "--model", model, "--weights", weights, "--input", input, "--output", Path.Combine(_dir.Path, "y.npy")).Should().Contain(message);
        File.Exists(Path.Combine(_dir.Path, "y.npy")).Should().BeFalse();
    }

    [Theory]
    [InlineData("no model name contains 'nope-net'", "models", "--filter", "nope-net")]
    [InlineData("'maybe'", "models", "--json", "maybe")]
    [InlineData("name the dataset to download", "download")]
    [InlineData("no download known for dataset 'imagenet'", "download", "--dataset", "imagenet")]
    [InlineData("give the dataset once", "download", "mnist", "--dataset", "cifar10")]
    [InlineData("--dir must name a directory", "download", "mnist", "--dir", " ")]
    [InlineData("--base-url 'ftp://x/' is not an http(s) address", "download", "mnist", "--base-url", "ftp://x/")]
    [InlineData("--device: Argument 'tpu' not recognized", "bench", "--device", "tpu")]
    [InlineData("'maybe'", "bench", "--quick", "maybe")]
    [InlineData("--device: Argument 'tpu' not recognized", "bench", "cac", "--device", "tpu")]
    [InlineData("'--filter'", "bench", "cac", "--filter", "gemm")]
    [InlineData("'--all'", "devices", "--all")]
    [InlineData("'nope'", "nope")]
    [InlineData("Required command was not provided", new string[0])]
    public void Other_commands(string message, params string[] args) => ErrorOf(args).Should().Contain(message);

    // Fashion-MNIST's four file names under a fresh directory, each holding bytes that are no IDX file.
    private string CorruptFashionMnist()
    {
        foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
            _dir.Write(Path.Combine("fashion-mnist", name), [1, 2, 3]);
        return Path.Combine(_dir.Path, "fashion-mnist");
    }
}
