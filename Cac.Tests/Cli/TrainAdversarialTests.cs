using Cac.Cli.Commands;
using Cac.Serialization;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac train --adversarial pgd`: trains on each batch's PGD examples, with the normalisation inside the model.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class TrainAdversarialTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public TrainAdversarialTests()
    {
        byte[] labels = Enumerable.Range(0, 16).Select(i => (byte)(i % 10)).ToArray();
        IdxFiles.WriteSplit(_tmp, "train", labels);
        IdxFiles.WriteSplit(_tmp, "t10k", labels);
    }

    public void Dispose() => _tmp.Dispose();

    private TrainCommand.TrainSettings Settings(string run, int epochs = 1, string? adversarial = "pgd", double eps = 8.0 / 255) =>
        new("cac-resnet20", "fashion-mnist", _tmp.Path, epochs, BatchSize: 8, 0.05, "constant", 0.9, 1e-4, Limit: 16, Seed: 1,
            Path.Combine(_tmp.Path, run), Adversarial: adversarial, AdvSteps: 2, AdvEps: eps);

    private IReadOnlyDictionary<string, Tensor> Weights(string run) => SafeTensors.Load(Path.Combine(_tmp.Path, run, "model.safetensors"));

    private static void Quiet(Func<int> action)
    {
        var (code, stdout, stderr) = ConsoleCollection.Capture(action);
        code.Should().Be(0, $"stdout: {stdout}\nstderr: {stderr}");
    }

    private static double MaxDifference(IReadOnlyDictionary<string, Tensor> a, IReadOnlyDictionary<string, Tensor> b, Func<string, bool> which) =>
        a.Keys.Where(k => which(k) && a[k].DType.IsFloatingPoint()).Max(k => a[k].ToDoubleArray().Zip(b[k].ToDoubleArray(), (x, y) => Math.Abs(x - y)).DefaultIfEmpty(0).Max());

    [Fact]
    public void With_eps_zero_it_trains_exactly_as_plain_training_and_with_eps_it_trains_on_other_images()
    {
        // eps 0: the PGD examples are the images, and the normalisation inside the model computes what the loader's did, so
        // every trained parameter is bit-identical (the cost-aware objective included); only the batch-norm running
        // statistics differ, because the attack's forward passes run in training mode (as Madry et al.'s).
        Quiet(() => TrainCommand.Run(Settings("plain", adversarial: null)));
        Quiet(() => TrainCommand.Run(Settings("eps0", eps: 0)));
        Quiet(() => TrainCommand.Run(Settings("eps8")));
        var (plain, eps0, eps8) = (Weights("plain"), Weights("eps0"), Weights("eps8"));
        eps0.Keys.Should().BeEquivalentTo(plain.Keys, "the checkpoint holds the network's own keys, without the normalisation");
        static bool Trained(string key) => !key.Contains("running_") && !key.Contains("num_batches");
        MaxDifference(plain, eps0, Trained).Should().Be(0);
        MaxDifference(plain, eps0, k => k.Contains("running_mean")).Should().BeGreaterThan(0);
        MaxDifference(plain, eps8, Trained).Should().BeGreaterThan(1e-4);
    }

    [Fact]
    public void A_resumed_adversarial_run_draws_the_random_starts_of_the_uninterrupted_one()
    {
        Quiet(() => TrainCommand.Run(Settings("whole", epochs: 2)));
        Quiet(() => TrainCommand.Run(Settings("split", epochs: 1)));
        Quiet(() => TrainCommand.Resume(Path.Combine(_tmp.Path, "split"), new Dictionary<string, object?> { ["--epochs"] = 2 }));
        MaxDifference(Weights("whole"), Weights("split"), _ => true).Should().Be(0);
        var conflict = () => TrainCommand.Resume(Path.Combine(_tmp.Path, "split"), new Dictionary<string, object?> { ["--adv-steps"] = 5 });
        conflict.Should().Throw<ArgumentException>().WithMessage("*--adv-steps 5 conflicts with the saved run's --adv-steps 2*");
    }

    [Fact]
    public void Bad_settings_fail_in_one_line()
    {
        var steps = () => (Settings("x") with { AdvSteps = 0 }).Validate();
        steps.Should().Throw<ArgumentException>().WithMessage("--adv-steps must be at least 1, got 0");
        var eps = () => (Settings("x") with { AdvEps = 2 }).Validate();
        eps.Should().Throw<ArgumentException>().WithMessage("eps must lie in [0, 1]*got 2");
    }
}
