using System.Text.Json;
using Cac.Cli.Commands;
using Cac.Cli.Training;
using Cac.Models.ResNet;
using Cac.Nn;
using Cac.Serialization;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>
/// `cac train --cac-sample` and `--alpha`: the model is built with them, model.safetensors and the training state record
/// them, the commands that rebuild a model from its name load them from the checkpoint, and a resume keeps them.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class TrainModelOptionsTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public TrainModelOptionsTests()
    {
        // A tiny CIFAR-10 (32 x 32, as the octave ResNets need): 2 images per training batch file, 8 test images.
        string sub = Path.Combine("cifar10", "cifar-10-batches-bin");
        for (int b = 1; b <= 5; b++) _tmp.Write(Path.Combine(sub, $"data_batch_{b}.bin"), CifarTestFiles.Cifar10(b * 2, (byte)b, (byte)(b + 4)));
        _tmp.Write(Path.Combine(sub, "test_batch.bin"), CifarTestFiles.Cifar10(0, 0, 1, 2, 3, 4, 5, 6, 7));
    }

    public void Dispose() => _tmp.Dispose();

    // One epoch of `model` on 8 of the training images; returns the run directory.
    private string Train(string model, string run, string cacSample = "centre", double? alpha = null)
    {
        string dir = Path.Combine(_tmp.Path, run);
        var (code, stdout, stderr) = ConsoleCollection.Capture(() => TrainCommand.Run(new TrainCommand.TrainSettings(model, "cifar10", _tmp.Path, 1,
            BatchSize: 8, Lr: 0.05, "constant", 0.9, 1e-4, Limit: 8, Seed: 1, dir, CacSample: cacSample, Alpha: alpha)));
        code.Should().Be(0, $"{stdout}\n{stderr}");
        return dir;
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Top_left_sampling_is_recorded_in_the_checkpoint_and_the_state_and_loaded_back()
    {
        string dir = Train("cac-resnet20", "topleft", cacSample: "top-left");
        string weights = Path.Combine(dir, "model.safetensors");
        SafeTensors.Load(weights, out var metadata);
        var recorded = Json(metadata[CheckpointMetadata.Key]);
        recorded.GetProperty("model").GetString().Should().Be("cac-resnet20");
        recorded.GetProperty("cac_sample").GetString().Should().Be("top-left");
        SafeTensors.Load(Path.Combine(dir, TrainingState.FileName), out var state);
        Json(state[TrainingState.MetadataKey]).GetProperty("settings").GetProperty("cac_sample").GetString().Should().Be("top-left");

        var loaded = StrictWeights.Load("cac-resnet20", weights, 3, 10).Model;
        loaded.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>().ToList().Should().HaveCount(19)
            .And.OnlyContain(l => l.SamplePoint == CacSamplePoint.TopLeft);

        // visualize rebuilds the model from the checkpoint as well (the masks it draws depend on the sample point).
        var output = new StringWriter();
        VisualizeCommand.Run(new VisualizeCommand.VisualizeSettings("cac-resnet20", weights, "cifar10", _tmp.Path, Path.Combine(_tmp.Path, "figs"),
            Images: 1, Limit: 2), output).Should().Be(0);
    }

    [Fact]
    public void An_octave_alpha_is_recorded_so_eval_rebuilds_the_same_shapes()
    {
        string dir = Train("oct-resnet20", "alpha", alpha: 0.25);
        string weights = Path.Combine(dir, "model.safetensors");
        SafeTensors.Load(weights, out var metadata);
        Json(metadata[CheckpointMetadata.Key]).GetProperty("alpha").GetDouble().Should().Be(0.25);

        StrictWeights.Load("oct-resnet20", weights, 3, 10).Model.Should().BeOfType<OctaveCifarResNet>().Which.Alpha.Should().Be(0.25);
        var output = new StringWriter();
        EvalCommand.Run(new EvalCommand.EvalSettings("oct-resnet20", weights, "cifar10", _tmp.Path, Json: true), output).Should().Be(0);
        Json(output.ToString()).GetProperty("samples").GetInt64().Should().Be(8);

        // Without the record the default alpha (0.5) would be built, and the weights would not fit it.
        SafeTensors.Save(weights, SafeTensors.Load(weights));
        FluentActions.Invoking(() => StrictWeights.Load("oct-resnet20", weights, 3, 10)).Should().Throw<ArgumentException>().WithMessage("*oct-resnet20*");
    }

    [Fact]
    public void A_resume_keeps_the_saved_options_and_refuses_others()
    {
        string dir = Train("cac-oct-resnet20", "resume", cacSample: "top-left", alpha: 0.25);
        Resume(("--cac-sample", "centre")).Should().Throw<ArgumentException>()
            .WithMessage("*--cac-sample centre conflicts with the saved run's --cac-sample top-left*");
        Resume(("--alpha", 0.5)).Should().Throw<ArgumentException>().WithMessage("*--alpha 0.5 conflicts with the saved run's --alpha 0.25*");

        var (code, stdout, stderr) = ConsoleCollection.Capture(() => TrainCommand.Resume(dir,
            new Dictionary<string, object?> { ["--epochs"] = 2, ["--cac-sample"] = "top-left", ["--alpha"] = 0.25 }));
        code.Should().Be(0, $"{stdout}\n{stderr}");
        StrictWeights.Load("cac-oct-resnet20", Path.Combine(dir, "model.safetensors"), 3, 10).Model.NamedModules().Select(m => m.Module)
            .OfType<ContentAwareConv2d>().ToList().Should().NotBeEmpty().And.OnlyContain(l => l.SamplePoint == CacSamplePoint.TopLeft);

        Func<int> Resume(params (string Option, object? Value)[] given) =>
            () => TrainCommand.Resume(dir, given.ToDictionary(entry => entry.Option, entry => entry.Value));
    }
}
