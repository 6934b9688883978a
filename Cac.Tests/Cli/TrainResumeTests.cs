using System.Text.Json;
using System.Text.Json.Nodes;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Cli.Training;
using Cac.Nn;
using Cac.Serialization;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>
/// `cac train --resume`: a run interrupted after an epoch and resumed ends bit-identical (CPU) to the same run done in one go:
/// model.safetensors, every model and optimizer tensor of the state, and the metrics rows (timings aside).
/// </summary>
[Collection(ConsoleCollection.Name)]
public class TrainResumeTests
{
    private sealed class SimulatedCrash : Exception;

    // A tiny fashion-mnist-shaped IDX dataset: 16 training images (2 batches of 8) and 8 test images of 28 x 28, labels 0..9.
    private static void WriteDataset(string dir)
    {
        byte[] Labels(int n) => Enumerable.Range(0, n).Select(i => (byte)((i * 7 + 3) % 10)).ToArray();
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), IdxFiles.Images(16, 28, 28));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), IdxFiles.Labels(Labels(16)));
        // Test images differ from the training ones (offset index pattern).
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), [.. IdxFiles.Header(0x00000803, 8, 28, 28), .. IdxFiles.Pixels(24, 28, 28).AsSpan(16 * 784)]);
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), IdxFiles.Labels(Labels(24)[16..]));
    }

    private static TrainCommand.TrainSettings Settings(string data, string outDir, string model = "resnet20", int epochs = 2,
        string schedule = "cosine", double lambda = CostAwareObjective.DefaultLambda, double thresholdLrScale = 1) =>
        new(model, "fashion-mnist", data, epochs, BatchSize: 8, Lr: 0.05, schedule, Momentum: 0.9, WeightDecay: 1e-3, Limit: 16, Seed: 3, outDir, lambda,
            ThresholdLrScale: thresholdLrScale);

    private static void Quiet(Func<int> action)
    {
        var (code, stdout, stderr) = ConsoleCollection.Capture(action);
        code.Should().Be(0, $"stdout: {stdout}\nstderr: {stderr}");
    }

    // Runs `settings` for its epochs but "dies" right after epoch `crashAfter` has been saved.
    private static void RunAndCrash(TrainCommand.TrainSettings settings, int crashAfter)
    {
        var act = () => ConsoleCollection.Capture(() => TrainCommand.Run(settings, afterEpoch: e => { if (e == crashAfter) throw new SimulatedCrash(); }));
        act.Should().Throw<SimulatedCrash>();
    }

    private static void Resume(string dir, params (string Option, object? Value)[] given) =>
        Quiet(() => TrainCommand.Resume(dir, given.ToDictionary(entry => entry.Option, entry => entry.Value)));

    private static JsonElement StateDocument(string dir)
    {
        SafeTensors.Load(Path.Combine(dir, TrainingState.FileName), out var metadata);
        return JsonDocument.Parse(metadata[TrainingState.MetadataKey]).RootElement;
    }

    // Everything a resumed run must reproduce exactly: the model file, every state tensor, the metrics rows but timings,
    // the scheduler steps and the global generator's state.
    private static void ShouldEndIdentical(string straight, string resumed, int epochs)
    {
        File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")).Should().Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")),
            "the resumed run's final weights are bit-identical to the uninterrupted run's");

        var a = SafeTensors.Load(Path.Combine(straight, TrainingState.FileName));
        var b = SafeTensors.Load(Path.Combine(resumed, TrainingState.FileName));
        b.Keys.Should().Equal(a.Keys);
        a.Keys.Should().Contain(k => k.StartsWith("optimizer.state.", StringComparison.Ordinal) && k.EndsWith(".momentum_buffer", StringComparison.Ordinal));
        foreach (var (key, t) in a)
        {
            if (t.DType == DType.Int32) b[key].ToIntArray().Should().Equal(t.ToIntArray(), key);
            else b[key].ToDoubleArray().Should().Equal(t.ToDoubleArray(), key);
        }

        var (da, db) = (StateDocument(straight), StateDocument(resumed));
        db.GetProperty("epochs_done").GetInt32().Should().Be(epochs);
        da.GetProperty("epochs_done").GetInt32().Should().Be(epochs);
        foreach (var field in new[] { "batch_scheduler_step", "epoch_scheduler_step", "default_generator_state", "batches_per_epoch" })
            db.GetProperty(field).GetRawText().Should().Be(da.GetProperty(field).GetRawText(), field);

        var (ma, mb) = (MetricsRows(straight), MetricsRows(resumed));
        mb.Should().HaveCount(epochs).And.Equal(ma);
    }

    // metrics.json rows without the wall-clock fields.
    private static List<string> MetricsRows(string dir)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")))!;
        return root["epochs"]!.AsArray().Select(row =>
        {
            var copy = row!.DeepClone().AsObject();
            copy.Remove("seconds");
            copy.Remove("images_per_second");
            return copy.ToJsonString();
        }).ToList();
    }

    [Fact]
    public void Resnet20_interrupted_after_epoch_1_and_resumed_ends_bit_identical_to_a_straight_run()
    {
        using var tmp = new TempDir();
        WriteDataset(tmp.Path);
        string straight = Path.Combine(tmp.Path, "straight"), resumed = Path.Combine(tmp.Path, "resumed");
        Quiet(() => TrainCommand.Run(Settings(tmp.Path, straight)));
        RunAndCrash(Settings(tmp.Path, resumed), crashAfter: 1);
        StateDocument(resumed).GetProperty("epochs_done").GetInt32().Should().Be(1);
        MetricsRows(resumed).Should().HaveCount(1);

        // What dying during epoch 2's writes can leave besides the epoch-1 state: a newer (here: bogus) model file, a
        // half-written temp file of the state. The resume reads only the state file.
        File.WriteAllBytes(Path.Combine(resumed, "model.safetensors"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(resumed, TrainingState.FileName + ".tmp"), [7, 7, 7]);

        Resume(resumed);
        ShouldEndIdentical(straight, resumed, epochs: 2);
    }

    [Fact]
    public void Cac_resnet20_resume_restores_gamma_beta_and_the_cost_objective_bit_identically()
    {
        using var tmp = new TempDir();
        WriteDataset(tmp.Path);
        string straight = Path.Combine(tmp.Path, "straight"), resumed = Path.Combine(tmp.Path, "resumed");
        // multistep: the per-epoch scheduler (milestone at epoch 1) must resume too; the thresholds' lr factor comes from the settings.
        Quiet(() => TrainCommand.Run(Settings(tmp.Path, straight, "cac-resnet20", schedule: "multistep", lambda: 0.3, thresholdLrScale: 10)));
        RunAndCrash(Settings(tmp.Path, resumed, "cac-resnet20", schedule: "multistep", lambda: 0.3, thresholdLrScale: 10), crashAfter: 1);
        Resume(resumed);
        ShouldEndIdentical(straight, resumed, epochs: 2);

        // The thresholds trained (the cost objective moved them) and are part of what matched above.
        var model = SafeTensors.Load(Path.Combine(resumed, "model.safetensors"));
        model.Should().ContainKey("layer1.0.conv1.beta");
        model.Where(kv => kv.Key.EndsWith(".beta", StringComparison.Ordinal)).Should().Contain(kv => kv.Value.Item() != 0);
        var rows = JsonNode.Parse(File.ReadAllText(Path.Combine(resumed, "metrics.json")))!["epochs"]!.AsArray();
        rows[1]!["lr"]!.GetValue<double>().Should().BeApproximately(0.05 * 0.01, 1e-12, "both milestones (epochs / 2 and 3 epochs / 4) are at epoch 1");
        rows[1]!["sharp_ratios"]!.AsObject().Count.Should().Be(19);
    }

    [Fact]
    public void Raising_epochs_on_resume_continues_a_finished_run_as_if_it_had_been_started_longer()
    {
        using var tmp = new TempDir();
        WriteDataset(tmp.Path);
        string straight = Path.Combine(tmp.Path, "straight"), extended = Path.Combine(tmp.Path, "extended");
        // constant lr: the schedule does not depend on the epoch count, so 1 + 1 epochs must equal 2.
        Quiet(() => TrainCommand.Run(Settings(tmp.Path, straight, epochs: 2, schedule: "constant")));
        Quiet(() => TrainCommand.Run(Settings(tmp.Path, extended, epochs: 1, schedule: "constant")));
        Resume(extended, ("--epochs", 2));
        ShouldEndIdentical(straight, extended, epochs: 2);
        StateDocument(extended).GetProperty("settings").GetProperty("epochs").GetInt32().Should().Be(2);
    }
}
