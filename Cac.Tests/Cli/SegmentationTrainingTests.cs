using System.Text.Json;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Cli.Training;
using Cac.Data;
using Cac.Models;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac train --task segmentation` on a tiny fashion-mnist-seg: it learns, reports mIoU and MAdds, and refuses what does not apply.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class SegmentationTrainingTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string MakeDataset()
    {
        string root = Path.Combine(_dir.Path, "seg");
        MakeDatasetCommand.Run(new MakeDatasetCommand.MakeDatasetSettings("fashion-mnist-seg", root, Seed: 3, Train: 8, Val: 4, DataDir: DatasetCatalog.SystemRoot), TextWriter.Null);
        return root;
    }

    private TrainCommand.TrainSettings Settings(string model, string root, int epochs) => new(
        model, "fashion-mnist-seg", root, Epochs: epochs, BatchSize: 4, Lr: 0.01, Schedule: "constant", Momentum: 0.9, WeightDecay: 1e-4,
        Limit: null, Seed: 1, OutDir: Path.Combine(_dir.Path, model), Device: "cpu", Task: "segmentation");

    [Theory]
    [InlineData("fcn-resnet18")]
    [InlineData("rc-fcn-resnet18")]
    [InlineData("cac-fcn-resnet18")]
    public void A_short_run_writes_miou_per_class_iou_and_madds(string model)
    {
        string root = MakeDataset();
        TrainCommand.Dispatch(Settings(model, root, epochs: 2)).Should().Be(0);
        string outDir = Path.Combine(_dir.Path, model);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        metrics.RootElement.GetProperty("classes").GetInt32().Should().Be(11);
        var epochs = metrics.RootElement.GetProperty("epochs").EnumerateArray().ToList();
        epochs.Should().HaveCount(2);
        foreach (var e in epochs)
        {
            e.GetProperty("train_loss").GetDouble().Should().BeInRange(0, 10);
            e.GetProperty("test_miou").GetDouble().Should().BeInRange(0, 1);
            e.GetProperty("test_iou").GetArrayLength().Should().Be(11);
            e.GetProperty("madds").GetDouble().Should().BeGreaterThan(0);
        }
        // MAdds of the test pass at 96 x 96: the FCN's convolutions; the cascade's and CAC's what they ran.
        double fcn = Cac.Madds.MaddsCounter.Count(ModelRegistry.Create("fcn-resnet18", 3, 11), 1, 3, 96, 96).TotalMadds;
        double madds = epochs[^1].GetProperty("madds").GetDouble();
        if (model == "fcn-resnet18") madds.Should().BeApproximately(fcn, 1);
        else madds.Should().BeLessThan(fcn + 3 * 3 * 256 * 64 * 12 * 12 + 64 * 11 * 12 * 12 + 1, "no more than the FCN plus the auxiliary head");
        File.ReadAllText(Path.Combine(outDir, "report.md")).Should().Contain($"| {model} |").And.Contain("paper mIoU");
        File.Exists(Path.Combine(outDir, "model.safetensors")).Should().BeTrue();
    }

    [Fact]
    public void Eval_reproduces_the_runs_miou_and_predict_writes_logits_at_the_input_size()
    {
        string root = MakeDataset();
        TrainCommand.Dispatch(Settings("rc-fcn-resnet18", root, epochs: 1)).Should().Be(0);
        string outDir = Path.Combine(_dir.Path, "rc-fcn-resnet18"), weights = Path.Combine(outDir, "model.safetensors");
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var last = metrics.RootElement.GetProperty("epochs").EnumerateArray().Last();

        var json = new StringWriter();
        EvalCommand.Run(new EvalCommand.EvalSettings("rc-fcn-resnet18", weights, "fashion-mnist-seg", root, BatchSize: 4, Json: true), json).Should().Be(0);
        using var eval = JsonDocument.Parse(json.ToString());
        eval.RootElement.GetProperty("images").GetInt32().Should().Be(4);
        eval.RootElement.GetProperty("miou").GetDouble().Should().Be(last.GetProperty("test_miou").GetDouble(), "the same images, resize and weights");
        eval.RootElement.GetProperty("madds").GetDouble().Should().Be(last.GetProperty("madds").GetDouble());
        eval.RootElement.GetProperty("per_class_iou").GetArrayLength().Should().Be(11);

        string input = Path.Combine(_dir.Path, "x.npy"), output = Path.Combine(_dir.Path, "logits.npy");
        Cac.Serialization.Npy.Save(input, Tensor.RandN([3, 3, 40, 24], new Generator(2)));
        PredictCommand.Run(new PredictCommand.PredictSettings("rc-fcn-resnet18", weights, input, output, BatchSize: 2), TextWriter.Null).Should().Be(0);
        Cac.Serialization.Npy.Load(output).Dims.ToArray().Should().Equal(3, 11, 40, 24);
    }

    [Fact]
    public void The_loss_falls_over_a_few_epochs()
    {
        string root = MakeDataset();
        TrainCommand.Dispatch(Settings("fcn-resnet18", root, epochs: 4) with { Lr = 0.02 }).Should().Be(0);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "fcn-resnet18", "metrics.json")));
        var losses = metrics.RootElement.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("train_loss").GetDouble()).ToList();
        losses[^1].Should().BeLessThan(losses[0] * 0.8, $"losses {string.Join(", ", losses)}");
    }

    [Fact]
    public void Reproduce_table3_trains_the_three_rows_and_reports_them_beside_the_paper()
    {
        string root = MakeDataset(), outDir = Path.Combine(_dir.Path, "table3");
        var settings = new ReproduceCommand.ReproduceSettings("table3", "small", DataDir: root, Device: "cpu", OutDir: outDir, Limit: 4, Epochs: 1);
        ReproduceCommand.Run(settings, TextWriter.Null).Should().Be(0);
        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        foreach (var (model, paper) in new[] { ("fcn-resnet18", "61.7 | 45.0G | 1.000"), ("rc-fcn-resnet18", "60.6 | 38.2G | 0.849"), ("cac-fcn-resnet18", "62.5 | 37.2G | 0.827") })
        {
            report.Should().Contain($"| {model} |").And.Contain(paper);
            File.Exists(Path.Combine(outDir, "rows", model, "metrics.json")).Should().BeTrue();
        }
        report.Should().NotContain("not run");
        // A second run reuses the finished rows.
        var written = File.GetLastWriteTimeUtc(Path.Combine(outDir, "rows", "fcn-resnet18", "model.safetensors"));
        ReproduceCommand.Run(settings, TextWriter.Null).Should().Be(0);
        File.GetLastWriteTimeUtc(Path.Combine(outDir, "rows", "fcn-resnet18", "model.safetensors")).Should().Be(written);
        var badRow = () => ReproduceCommand.Run(settings with { Models = "resnet20" }, TextWriter.Null);
        badRow.Should().Throw<ArgumentException>().WithMessage("*'resnet20' is no row of table3*");
    }

    [Fact]
    public void Refuses_classification_models_and_unknown_datasets()
    {
        var classification = () => TrainCommand.Dispatch(Settings("resnet20", _dir.Path, 1));
        classification.Should().Throw<ArgumentException>().WithMessage("*needs a segmentation model*fcn-resnet18*'resnet20'*");
        var dataset = () => TrainCommand.Dispatch(Settings("fcn-resnet18", _dir.Path, 1) with { Dataset = "cifar10" });
        dataset.Should().Throw<ArgumentException>().WithMessage("*unknown dataset 'cifar10'*voc2012, fashion-mnist-seg*");
        var task = () => TrainCommand.Dispatch(Settings("fcn-resnet18", _dir.Path, 1) with { Task = "detection" });
        task.Should().Throw<ArgumentException>().WithMessage("*--task must be classification or segmentation*");
    }

    [Fact]
    public void Pixel_argmax_picks_the_highest_logit_of_every_pixel()
    {
        // (1, 3, 1, 2): pixel 0 logits (1, 5, 2) -> class 1; pixel 1 (7, 0, 9) -> class 2.
        var logits = Tensor.FromArray([1f, 7f, 5f, 0f, 2f, 9f], [1, 3, 1, 2]);
        SegmentationTrainer.PixelArgmax(logits).Should().Equal(1, 2);
    }
}
