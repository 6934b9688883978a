using Cac.Cli.Commands;
using Cac.Cli.Training;
using Cac.Nn;
using Cac.Optim;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>TrainingState round trip without training: model, optimizer, scheduler and the global generator come back.</summary>
[Collection(ConsoleCollection.Name)] // uses Generator.Default, as the training tests do
public class TrainingStateTests
{
    private static readonly TrainCommand.TrainSettings Settings = new("tiny", "fashion-mnist", null, 4, 2, 0.5, "cosine", 0.9, 0, null, 0, null);

    private static RunMetrics Metrics(int rows) =>
        new("tiny", "fashion-mnist", 9, 0, 2, Enumerable.Range(1, rows).Select(e => new EpochMetrics(e, 1.0 / e, 0.5, 0.25, 1, 2, 0.5)).ToList());

    // One SGD step with momentum on a Linear(2, 3), so that the optimizer has momentum buffers.
    private static (Linear Net, Sgd Optimizer, CosineAnnealingLR Scheduler) Build(int seed, int steps)
    {
        var net = new Linear(2, 3, generator: new Generator(seed));
        var opt = new Sgd(net.Parameters(), 0.5, momentum: 0.9, nesterov: true);
        var scheduler = new CosineAnnealingLR(opt, 40);
        for (int i = 0; i < steps; i++)
        {
            opt.ZeroGrad();
            Ops.Sum(net.Forward(Tensor.FromArray([1f, -2f, 0.5f, 3f], [2, 2]))).Backward();
            opt.Step();
            scheduler.Step();
        }
        return (net, opt, scheduler);
    }

    [Fact]
    public void Save_then_restore_brings_back_every_piece_of_state()
    {
        using var tmp = new TempDir();
        var (net, opt, scheduler) = Build(seed: 1, steps: 3);
        Generator.ManualSeed(17);
        for (int i = 0; i < 10; i++) Generator.Default.NextNormal();
        TrainingState.Save(tmp.Path, Settings, 1, 10, 5, net, opt, null, scheduler, Metrics(1));
        var expectedDraws = Enumerable.Range(0, 5).Select(_ => Generator.Default.NextDouble()).ToList();

        // A differently initialised run, a moved global generator: Restore must overwrite all of it.
        var (net2, opt2, scheduler2) = Build(seed: 2, steps: 0);
        Generator.ManualSeed(4);
        var state = TrainingState.Load(tmp.Path);
        state.Document.EpochsDone.Should().Be(1);
        state.Document.DataLoaderSeed.Should().Be(5);
        state.Document.Settings.Should().Be(Settings);
        state.Document.Metrics.Epochs.Should().Equal(Metrics(1).Epochs);
        state.Restore(net2, opt2, null, scheduler2, 10).Should().Be(1);

        foreach (var (key, t) in net.StateDict()) net2.StateDict()[key].ToFloatArray().Should().Equal(t.ToFloatArray(), key);
        opt2.StepCount.Should().Be(3);
        opt2.LearningRate.Should().Be(opt.LearningRate);
        scheduler2.LastEpoch.Should().Be(3);
        var buffers = opt.State().Where(kv => kv.Key.EndsWith("momentum_buffer", StringComparison.Ordinal)).ToList();
        buffers.Should().HaveCount(2);
        foreach (var (key, t) in buffers) opt2.State()[key].ToFloatArray().Should().Equal(t.ToFloatArray(), key);
        Enumerable.Range(0, 5).Select(_ => Generator.Default.NextDouble()).Should().Equal(expectedDraws);
    }

    [Fact]
    public void Restore_refuses_another_batch_count_and_a_missing_scheduler()
    {
        using var tmp = new TempDir();
        var (net, opt, scheduler) = Build(seed: 1, steps: 1);
        TrainingState.Save(tmp.Path, Settings, 1, 10, 0, net, opt, null, scheduler, Metrics(1));
        var state = TrainingState.Load(tmp.Path);
        var (net2, opt2, scheduler2) = Build(seed: 1, steps: 0);
        FluentActions.Invoking(() => state.Restore(net2, opt2, null, scheduler2, 11)).Should().Throw<InvalidDataException>()
            .WithMessage("*10 batches per epoch*now gives 11*");
        FluentActions.Invoking(() => state.Restore(net2, opt2, null, null, 10)).Should().Throw<InvalidDataException>()
            .WithMessage("*scheduler steps*");
    }

    [Fact]
    public void Load_refuses_a_state_whose_metrics_do_not_match_its_epoch_count()
    {
        using var tmp = new TempDir();
        var (net, opt, scheduler) = Build(seed: 1, steps: 1);
        TrainingState.Save(tmp.Path, Settings, 2, 10, 0, net, opt, null, scheduler, Metrics(1));
        FluentActions.Invoking(() => TrainingState.Load(tmp.Path)).Should().Throw<InvalidDataException>()
            .WithMessage($"*{TrainingState.FileName}*2 epoch(s) done but 1 metrics row(s)*");
    }

    [Fact]
    public void A_state_saved_before_the_threshold_options_existed_reads_as_such_a_run_behaved()
    {
        using var tmp = new TempDir();
        var (net, opt, scheduler) = Build(seed: 1, steps: 1);
        TrainingState.Save(tmp.Path, Settings, 1, 10, 0, net, opt, null, scheduler, Metrics(1));
        TrainingState.Load(tmp.Path).Document.Settings.Should().Be(Settings, "a state that has the keys reads them");
        Settings.ThresholdGradient.Should().Be("sigmoid");
        Settings.ThresholdLrNorm.Should().BeTrue();

        // The same file as an older build wrote it: no threshold_gradient and no threshold_lr_norm key.
        string path = Path.Combine(tmp.Path, TrainingState.FileName);
        var tensors = Cac.Serialization.SafeTensors.Load(path, out var metadata);
        var document = System.Text.Json.Nodes.JsonNode.Parse(metadata[TrainingState.MetadataKey])!;
        var settings = document["settings"]!.AsObject();
        settings.Remove("threshold_gradient").Should().BeTrue();
        settings.Remove("threshold_lr_norm").Should().BeTrue();
        Cac.Serialization.SafeTensors.Save(path, tensors, new Dictionary<string, string> { [TrainingState.MetadataKey] = document.ToJsonString() });

        TrainingState.Load(tmp.Path).Document.Settings.Should().Be(Settings with { ThresholdGradient = "gated", ThresholdLrNorm = false });
    }
}
