using System.Text.Json.Nodes;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Cli.Training;
using Cac.Serialization;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>One finished 1-epoch resnet20 run (lr 0.05, not the default) on a tiny IDX dataset, shared by the error tests.</summary>
public sealed class FinishedRunFixture : IDisposable
{
    private readonly TempDir _tmp = new();

    public FinishedRunFixture()
    {
        byte[] labels = Enumerable.Range(0, 16).Select(i => (byte)(i % 10)).ToArray();
        File.WriteAllBytes(Path.Combine(_tmp.Path, "train-images-idx3-ubyte"), IdxFiles.Images(16, 28, 28));
        File.WriteAllBytes(Path.Combine(_tmp.Path, "train-labels-idx1-ubyte"), IdxFiles.Labels(labels));
        File.WriteAllBytes(Path.Combine(_tmp.Path, "t10k-images-idx3-ubyte"), IdxFiles.Images(16, 28, 28));
        File.WriteAllBytes(Path.Combine(_tmp.Path, "t10k-labels-idx1-ubyte"), IdxFiles.Labels(labels));
        RunDir = Path.Combine(_tmp.Path, "run");
        var (code, stdout, stderr) = ConsoleCollection.Capture(() => TrainCommand.Run(new TrainCommand.TrainSettings(
            "resnet20", "fashion-mnist", _tmp.Path, 1, BatchSize: 8, Lr: 0.05, "cosine", 0.9, 1e-4, Limit: 16, Seed: 1, RunDir)));
        if (code != 0) throw new InvalidOperationException($"training the fixture run failed:\n{stdout}\n{stderr}");
    }

    /// <summary>The run directory (metrics.json, model.safetensors, train_state.safetensors after 1 epoch).</summary>
    public string RunDir { get; }

    /// <summary>A fresh directory holding a copy of the run.</summary>
    public string CopyRun()
    {
        string dir = Path.Combine(_tmp.Path, "copy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(RunDir)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    public void Dispose() => _tmp.Dispose();
}

/// <summary>`cac train --resume`: every way it can be refused says what is wrong and where.</summary>
[Collection(ConsoleCollection.Name)]
public class TrainResumeErrorTests(FinishedRunFixture run) : IClassFixture<FinishedRunFixture>
{
    private static Func<int> Resume(string dir, params (string Option, object? Value)[] given) =>
        () => TrainCommand.Resume(dir, given.ToDictionary(entry => entry.Option, entry => entry.Value));

    private static string StatePath(string dir) => Path.Combine(dir, TrainingState.FileName);

    [Fact]
    public void A_missing_directory_is_named()
    {
        string missing = Path.Combine(Path.GetTempPath(), "cac-no-such-run-" + Guid.NewGuid().ToString("N"));
        FluentActions.Invoking(Resume(missing)).Should().Throw<DirectoryNotFoundException>().WithMessage($"*'{missing}' does not exist*");
    }

    [Fact]
    public void A_directory_without_a_state_file_names_the_file()
    {
        using var empty = new TempDir();
        File.WriteAllText(Path.Combine(empty.Path, "metrics.json"), "{}");
        FluentActions.Invoking(Resume(empty.Path)).Should().Throw<FileNotFoundException>().WithMessage($"*{TrainingState.FileName}*");
    }

    [Fact]
    public void A_truncated_state_file_names_the_file()
    {
        string dir = run.CopyRun();
        var bytes = File.ReadAllBytes(StatePath(dir));
        File.WriteAllBytes(StatePath(dir), bytes[..(bytes.Length / 2)]);
        FluentActions.Invoking(Resume(dir)).Should().Throw<InvalidDataException>().WithMessage($"*{StatePath(dir)}*");
    }

    [Fact]
    public void A_safetensors_file_that_is_not_a_training_state_is_refused()
    {
        string dir = run.CopyRun();
        File.Copy(Path.Combine(dir, "model.safetensors"), StatePath(dir), overwrite: true);
        FluentActions.Invoking(Resume(dir)).Should().Throw<InvalidDataException>()
            .WithMessage($"*{StatePath(dir)}*no \"{TrainingState.MetadataKey}\" metadata*");
    }

    [Fact]
    public void Malformed_state_json_names_the_file()
    {
        string dir = run.CopyRun();
        RewriteState(dir, _ => JsonNode.Parse("{\"format\": 3}")!);
        FluentActions.Invoking(Resume(dir)).Should().Throw<InvalidDataException>().WithMessage($"*{StatePath(dir)}*");
    }

    [Fact]
    public void A_state_whose_tensors_belong_to_another_model_is_refused()
    {
        // The settings say resnet32, the tensors are resnet20's (e.g. files mixed up between runs).
        string dir = run.CopyRun();
        RewriteState(dir, doc => { doc["settings"]!["model"] = "resnet32"; return doc; });
        FluentActions.Invoking(Resume(dir, ("--epochs", 2))).Should().Throw<InvalidDataException>()
            .WithMessage($"*{StatePath(dir)} holds the state of a different model than 'resnet32'*Missing key(s)*layer1.3*");
    }

    [Theory]
    [InlineData("--model", "cac-resnet20", "resnet20")]
    [InlineData("--dataset", "mnist", "fashion-mnist")]
    [InlineData("--lr", 0.1, "0.05")]
    [InlineData("--batch-size", 16, "8")]
    [InlineData("--seed", 0, "1")]
    [InlineData("--schedule", "multistep", "cosine")]
    [InlineData("--threshold-lr-scale", 10.0, "1")]
    public void An_option_that_conflicts_with_the_saved_run_names_the_option_and_both_values(string option, object value, string saved)
    {
        FluentActions.Invoking(Resume(run.RunDir, (option, value))).Should().Throw<ArgumentException>()
            .WithMessage($"*{option} {value.ToString()!.Replace(",", ".", StringComparison.Ordinal)} conflicts with the saved run's {option} {saved}*");
    }

    [Fact]
    public void Options_equal_to_the_saved_values_are_accepted_and_a_finished_run_has_nothing_to_do()
    {
        var before = File.ReadAllBytes(StatePath(run.RunDir));
        var (code, stdout, _) = ConsoleCollection.Capture(Resume(run.RunDir, ("--model", "ResNet20"), ("--lr", 0.05), ("--limit", 16), ("--epochs", 1)));
        code.Should().Be(0);
        stdout.Should().Contain("nothing to do");
        File.ReadAllBytes(StatePath(run.RunDir)).Should().Equal(before);
    }

    [Fact]
    public void Epochs_below_those_done_init_and_another_out_directory_are_refused()
    {
        FluentActions.Invoking(Resume(run.RunDir, ("--epochs", 0))).Should().Throw<ArgumentException>().WithMessage("*--epochs 0 is below the 1 epoch(s) already trained*");
        FluentActions.Invoking(Resume(run.RunDir, ("--init", "w.safetensors"))).Should().Throw<ArgumentException>().WithMessage("*--init w.safetensors conflicts with --resume*");
        FluentActions.Invoking(Resume(run.RunDir, ("--out", "elsewhere"))).Should().Throw<ArgumentException>().WithMessage("*--out elsewhere differs*");
    }

    [Fact]
    public void The_command_line_checks_only_the_options_typed()
    {
        // Defaults (lr 0.1, batch 128, epochs 1, ...) are not typed, so they do not conflict with the saved lr 0.05.
        var (code, stdout, stderr) = ConsoleCollection.Capture(() => Program.Main(["train", "--resume", run.RunDir]));
        code.Should().Be(0, stderr);
        stdout.Should().Contain("1 of 1 epoch(s) already trained");

        (code, _, stderr) = ConsoleCollection.Capture(() => Program.Main(["train", "--resume", run.RunDir, "--lr", "0.5"]));
        code.Should().Be(1);
        stderr.Should().Contain("--lr 0.5 conflicts with the saved run's --lr 0.05");

        (code, _, stderr) = ConsoleCollection.Capture(() => Program.Main(["train", "--resume", run.RunDir, "--limit", "8"]));
        code.Should().Be(1);
        stderr.Should().Contain("--limit 8 conflicts with the saved run's --limit 16");
    }

    // Rewrites the JSON document of a run's state, keeping its tensors.
    private static void RewriteState(string dir, Func<JsonNode, JsonNode> edit)
    {
        var tensors = SafeTensors.Load(StatePath(dir), out var metadata);
        var doc = edit(JsonNode.Parse(metadata[TrainingState.MetadataKey])!);
        SafeTensors.Save(StatePath(dir), tensors, new Dictionary<string, string> { [TrainingState.MetadataKey] = doc.ToJsonString() });
    }
}
