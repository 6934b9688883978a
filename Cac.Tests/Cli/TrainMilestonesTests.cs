using System.Text.Json;
using Cac.Cli.Commands;
using Cac.Cli.Training;
using Cac.Serialization;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>
/// `cac train --schedule multistep --milestones E1,E2,...`: the lr of each epoch in metrics.json follows the milestones given
/// (or 50% and 75% of --epochs without them), and a resumed run keeps the saved milestones.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class TrainMilestonesTests : IDisposable
{
    private const double Lr = 0.05;
    private readonly TempDir _tmp = new();

    public TrainMilestonesTests()
    {
        byte[] labels = Enumerable.Range(0, 8).Select(i => (byte)(i % 10)).ToArray();
        IdxFiles.WriteSplit(_tmp, "train", labels);
        IdxFiles.WriteSplit(_tmp, "t10k", labels);
    }

    public void Dispose() => _tmp.Dispose();

    private TrainCommand.TrainSettings Settings(string run, int epochs, string? milestones) =>
        new("resnet20", "fashion-mnist", _tmp.Path, epochs, BatchSize: 8, Lr, "multistep", 0.9, 1e-4, Limit: 8, Seed: 1,
            Path.Combine(_tmp.Path, run), Milestones: milestones);

    private static void Quiet(Func<int> action)
    {
        var (code, stdout, stderr) = ConsoleCollection.Capture(action);
        code.Should().Be(0, $"stdout: {stdout}\nstderr: {stderr}");
    }

    // The lr each epoch trained with, from metrics.json.
    private double[] EpochLrs(string run)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_tmp.Path, run, "metrics.json")));
        return doc.RootElement.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("lr").GetDouble()).ToArray();
    }

    [Fact]
    public void Without_milestones_the_lr_drops_at_half_and_three_quarters_of_the_epochs()
    {
        Quiet(() => TrainCommand.Run(Settings("default", 4, null)));
        EpochLrs("default").Should().BeEquivalentTo([Lr, Lr, Lr / 10, Lr / 100], o => o.WithStrictOrdering().Using<double>(
            c => c.Subject.Should().BeApproximately(c.Expectation, 1e-12)).WhenTypeIs<double>());
    }

    [Fact]
    public void Given_milestones_set_the_drops_and_survive_a_resume_with_more_epochs()
    {
        Quiet(() => TrainCommand.Run(Settings("given", 2, "1")));
        SafeTensors.Load(Path.Combine(_tmp.Path, "given", TrainingState.FileName), out var metadata);
        using (var doc = JsonDocument.Parse(metadata[TrainingState.MetadataKey]))
            doc.RootElement.GetProperty("settings").GetProperty("milestones").GetString().Should().Be("1");

        // Resumed to 4 epochs: the default for 4 would be 2 and 3 (epoch 4 at lr/100); the saved milestone 1 keeps lr/10.
        string dir = Path.Combine(_tmp.Path, "given");
        Quiet(() => TrainCommand.Resume(dir, new Dictionary<string, object?> { ["--epochs"] = 4, ["--milestones"] = " 1 " }));
        EpochLrs("given").Should().BeEquivalentTo([Lr, Lr / 10, Lr / 10, Lr / 10], o => o.WithStrictOrdering().Using<double>(
            c => c.Subject.Should().BeApproximately(c.Expectation, 1e-12)).WhenTypeIs<double>());
    }

    [Fact]
    public void A_resume_with_other_milestones_is_refused_naming_both()
    {
        Quiet(() => TrainCommand.Run(Settings("other", 2, "1")));
        string dir = Path.Combine(_tmp.Path, "other");
        var act = () => TrainCommand.Resume(dir, new Dictionary<string, object?> { ["--epochs"] = 4, ["--milestones"] = "2" });
        act.Should().Throw<ArgumentException>().WithMessage("*--milestones 2 conflicts with the saved run's --milestones 1*");

        Quiet(() => TrainCommand.Run(Settings("none", 1, null)));
        var none = () => TrainCommand.Resume(Path.Combine(_tmp.Path, "none"), new Dictionary<string, object?> { ["--milestones"] = "1" });
        none.Should().Throw<ArgumentException>().WithMessage("*--milestones 1 conflicts with the saved run's --milestones (none: 50% and 75% of --epochs)*");
    }

    [Theory]
    [InlineData("160,240", new[] { 160, 240 })]
    [InlineData(" 3 , 5,9", new[] { 3, 5, 9 })]
    [InlineData("1", new[] { 1 })]
    public void Parse_reads_ascending_positive_epochs(string text, int[] expected) =>
        Milestones.Parse(text).Should().Equal(expected);

    [Theory]
    [InlineData("", "'' is not a whole number")]
    [InlineData("3,,5", "'' is not a whole number")]
    [InlineData("3;5", "'3;5' is not a whole number")]
    [InlineData("-2,5", "'-2' is not a whole number")]
    [InlineData("2.5", "'2.5' is not a whole number")]
    [InlineData("0", "must be positive, got 0")]
    [InlineData("5,5", "strictly ascending, but 5 follows 5")]
    public void Parse_names_the_option_and_the_value_of_a_bad_list(string text, string problem) =>
        FluentActions.Invoking(() => Milestones.Parse(text)).Should().Throw<ArgumentException>().WithMessage($"--milestones '{text}': *{problem}*");

    [Fact]
    public void Check_refuses_a_milestone_at_or_past_the_last_epoch()
    {
        Milestones.Check("160,240", 400).Should().Equal(160, 240);
        FluentActions.Invoking(() => Milestones.Check("160,400", 400)).Should().Throw<ArgumentException>()
            .WithMessage("--milestones '160,400': every milestone must lie below --epochs 400, got 400");
        Milestones.For(null, 400).Should().Equal(200, 300);
        Milestones.For("160,240", 400).Should().Equal(160, 240);
    }
}
