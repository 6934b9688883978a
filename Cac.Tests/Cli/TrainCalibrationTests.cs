using System.Text.Json.Nodes;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac train --calibrate-sharp-ratio`: the thresholds start where asked.</summary>
[Collection(ConsoleCollection.Name)]
public class TrainCalibrationTests
{
    private static TrainCommand.TrainSettings Settings(string data, string outDir, string model, double? ratio) =>
        new(model, "fashion-mnist", data, 1, BatchSize: 8, Lr: 1e-3, "constant", 0.9, 0, Limit: 16, Seed: 1, outDir, Lambda: 0,
            ThresholdLrScale: 0, CalibrateSharpRatio: ratio);

    private static string WriteData(TempDir tmp)
    {
        byte[] labels = Enumerable.Range(0, 16).Select(i => (byte)(i % 10)).ToArray();
        // Random pixels: the Sobel scores have no ties, so a ratio can be hit to within one window.
        var pixels = new byte[16 * 28 * 28];
        new Random(3).NextBytes(pixels);
        byte[] images = [.. IdxFiles.Header(0x00000803, 16, 28, 28), .. pixels];
        File.WriteAllBytes(Path.Combine(tmp.Path, "train-images-idx3-ubyte"), images);
        File.WriteAllBytes(Path.Combine(tmp.Path, "train-labels-idx1-ubyte"), IdxFiles.Labels(labels));
        File.WriteAllBytes(Path.Combine(tmp.Path, "t10k-images-idx3-ubyte"), images);
        File.WriteAllBytes(Path.Combine(tmp.Path, "t10k-labels-idx1-ubyte"), IdxFiles.Labels(labels));
        return tmp.Path;
    }

    private static double StemSharpRatio(string outDir)
    {
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")))!;
        return (double)metrics["epochs"]![0]!["sharp_ratios"]!["conv1"]!;
    }

    [Fact]
    public void The_stem_starts_at_the_calibrated_ratio()
    {
        using var tmp = new TempDir();
        string data = WriteData(tmp);
        // The test images are the training images, the stem sees them raw (no batch norm before it) and the thresholds
        // are frozen: its test-pass ratio is the calibrated one, where an uncalibrated layer (beta = 0) is sharp almost everywhere.
        string calibrated = Path.Combine(tmp.Path, "calibrated"), plain = Path.Combine(tmp.Path, "plain");
        var (code, stdout, stderr) = ConsoleCollection.Capture(() => TrainCommand.Run(Settings(data, calibrated, "cac-resnet20", 0.4)));
        code.Should().Be(0, stdout + stderr);
        (code, stdout, stderr) = ConsoleCollection.Capture(() => TrainCommand.Run(Settings(data, plain, "cac-resnet20", null)));
        code.Should().Be(0, stdout + stderr);
        StemSharpRatio(calibrated).Should().BeApproximately(0.4, 0.02);
        StemSharpRatio(plain).Should().BeGreaterThan(0.6);
    }

    [Fact]
    public void Bad_values_are_refused_with_the_option_named()
    {
        using var tmp = new TempDir();
        string data = WriteData(tmp);
        FluentActions.Invoking(() => TrainCommand.Run(Settings(data, Path.Combine(tmp.Path, "a"), "cac-resnet20", 1.5)))
            .Should().Throw<ArgumentException>().WithMessage("--calibrate-sharp-ratio must lie in [0, 1], got 1.5");
        FluentActions.Invoking(() => TrainCommand.Run(Settings(data, Path.Combine(tmp.Path, "b"), "resnet20", 0.5)))
            .Should().Throw<ArgumentException>().WithMessage("--calibrate-sharp-ratio: model 'resnet20' has no content-aware layer*");
    }
}
