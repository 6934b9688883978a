using System.Text.Json;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Data;
using Cac.Madds;
using Cac.Models;
using Cac.Nn;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac eval` run in-process on a 12-image Fashion-MNIST test split the test writes itself.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class EvalCommandTests : IDisposable
{
    private static readonly byte[] TestLabels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 3];
    private readonly TempDir _dir = new();

    public EvalCommandTests()
    {
        IdxFiles.WriteSplit(_dir, "t10k", TestLabels, "fashion-mnist");
    }

    public void Dispose() => _dir.Dispose();

    private string Weights(string model, int inChannels = 1, Action<Module>? edit = null)
    {
        string path = Path.Combine(_dir.Path, model + ".safetensors");
        WeightFiles.Save(path, model, inChannels, 10, seed: 3, edit);
        return path;
    }

    private JsonElement EvalJson(EvalCommand.EvalSettings s)
    {
        var output = new StringWriter();
        EvalCommand.Run(s with { Json = true }, output).Should().Be(0);
        using var doc = JsonDocument.Parse(output.ToString());
        return doc.RootElement.Clone();
    }

    // The same model on the same images, computed here: normalised pixels, argmax, mean cross-entropy, and top-5 by sorting
    // each row's classes by descending score (ties by class index) and looking for the label among the first five.
    private static (double Accuracy, double Loss, int[] Predictions, double Top5) Reference(string model, string weights)
    {
        var net = WeightFiles.LoadForEval(weights, model, 1, 10, seed: 77);
        var pixels = IdxFiles.Pixels(TestLabels.Length, 28, 28).Select(p => (float)((p / 255.0 - 0.2860) / 0.3530)).ToArray();
        using var _ = Autograd.NoGrad();
        var logits = net.Forward(Tensor.FromArray(pixels, [TestLabels.Length, 1, 28, 28]));
        var labels = Tensor.FromArray(TestLabels.Select(b => (int)b).ToArray(), [TestLabels.Length]);
        double loss = Ops.CrossEntropy(logits, labels).Item();
        var scores = logits.ToFloatArray();
        var predictions = Enumerable.Range(0, TestLabels.Length).Select(i =>
        {
            var row = scores.AsSpan(i * 10, 10).ToArray();
            return Array.IndexOf(row, row.Max());
        }).ToArray();
        double accuracy = predictions.Zip(TestLabels).Count(p => p.First == p.Second) / (double)TestLabels.Length;
        double top5 = Enumerable.Range(0, TestLabels.Length).Count(i => Enumerable.Range(0, 10)
            .OrderByDescending(k => scores[i * 10 + k]).ThenBy(k => k).Take(5).Contains(TestLabels[i])) / (double)TestLabels.Length;
        return (accuracy, loss, predictions, top5);
    }

    [Fact]
    public void Json_reports_accuracy_loss_per_class_counts_and_the_fixed_madds_of_a_standard_model()
    {
        string weights = Weights("resnet20");
        var root = EvalJson(new EvalCommand.EvalSettings("resnet20", weights, "fashion-mnist", _dir.Path, BatchSize: 5));
        var (accuracy, loss, predictions, _) = Reference("resnet20", weights);

        root.GetProperty("model").GetString().Should().Be("resnet20");
        root.GetProperty("samples").GetInt64().Should().Be(12);
        root.GetProperty("accuracy").GetDouble().Should().BeApproximately(accuracy, 1e-12);
        root.GetProperty("loss").GetDouble().Should().BeApproximately(loss, 1e-4);
        var perClass = root.GetProperty("per_class").EnumerateArray().ToList();
        perClass.Should().HaveCount(10);
        perClass[9].GetProperty("name").GetString().Should().Be("Ankle boot");
        for (int k = 0; k < 10; k++)
        {
            perClass[k].GetProperty("samples").GetInt64().Should().Be(TestLabels.Count(l => l == k));
            perClass[k].GetProperty("correct").GetInt64().Should().Be(Enumerable.Range(0, 12).Count(i => TestLabels[i] == k && predictions[i] == k));
        }
        root.GetProperty("madds").GetInt64().Should().Be(MaddsCounter.Count(ModelRegistry.Create("resnet20", 1, 10), 1, 1, 28, 28).TotalMadds);
        root.GetProperty("sharp_ratios").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public void Top5_accuracy_is_reported_beside_top1_and_matches_a_sorted_reference()
    {
        string weights = Weights("resnet20");
        var root = EvalJson(new EvalCommand.EvalSettings("resnet20", weights, "fashion-mnist", _dir.Path, BatchSize: 5));
        var (accuracy, _, _, top5) = Reference("resnet20", weights);
        top5.Should().BeGreaterThan(accuracy, "these weights rank some labels 2nd to 5th, so top-5 and top-1 differ").And.BeLessThan(1);
        root.GetProperty("top5_accuracy").GetDouble().Should().BeApproximately(top5, 1e-12);

        var output = new StringWriter();
        EvalCommand.Run(new EvalCommand.EvalSettings("resnet20", weights, "fashion-mnist", _dir.Path), output).Should().Be(0);
        output.ToString().Should().Contain($"top-5 accuracy {top5.ToString("P2", System.Globalization.CultureInfo.InvariantCulture)}");
    }

    [Fact]
    public void Top5_is_not_available_for_fewer_than_five_classes()
    {
        // Three classes: every label is among the top 5, so a count would read 100%; eval reports n/a instead.
        var images = Enumerable.Range(0, 6 * 28 * 28).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        var test = new InMemoryImageDataset(images, [0, 1, 2, 0, 1, 2], new ImageShape(1, 28, 28), 3);
        var net = ModelRegistry.Create("resnet20", 1, 3, new Generator(5));
        var result = EvalCommand.Evaluate(net, new DataLoader(test, 4), 3, monitor: null);
        result.Samples.Sum().Should().Be(6);
        result.TopKCorrect.Should().BeNull();

        var doc = new EvalCommand.EvalJson("resnet20", "w", "three", 6, 0.5, null, 1.0,
            Enumerable.Range(0, 3).Select(k => new EvalCommand.ClassJson(k, $"c{k}", 2, 1, 0.5)).ToList(), 1, null, null, null);
        var output = new StringWriter();
        EvalCommand.WriteTables(doc, output);
        output.ToString().Should().Contain("top-5 accuracy n/a (3 classes)");
    }

    [Fact]
    public void A_content_aware_model_is_costed_at_the_sharp_ratios_it_measured_over_the_pass()
    {
        // Thresholds that make part of every layer smooth.
        string weights = Weights("cac-resnet20", edit: net =>
        {
            foreach (var c in net.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>()) c.Beta.CopyFrom(Tensor.Full([1], -1.5));
        });
        var root = EvalJson(new EvalCommand.EvalSettings("cac-resnet20", weights, "fashion-mnist", _dir.Path, Limit: 10, BatchSize: 4));
        root.GetProperty("samples").GetInt64().Should().Be(10);
        var ratios = root.GetProperty("sharp_ratios").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        ratios.Should().HaveCount(19).And.ContainKeys("conv1", "layer3.2.conv2");
        ratios.Values.Should().OnlyContain(r => r >= 0 && r <= 1).And.Contain(r => r < 0.95);

        var objective = CostAwareObjective.For(ModelRegistry.Create("cac-resnet20", 1, 10), [1, 1, 28, 28]);
        var names = objective.Layers.ToDictionary(l => l.Layer, l => l.Name);
        long madds = root.GetProperty("madds").GetInt64();
        madds.Should().BeCloseTo((long)Math.Round(objective.Madds(l => ratios[names[l]])), 1);
        root.GetProperty("madds_baseline").GetInt64().Should().Be((long)Math.Round(objective.BaselineMadds));
        madds.Should().BeLessThan(root.GetProperty("madds_baseline").GetInt64());
        root.GetProperty("madds_ratio").GetDouble().Should().BeApproximately((double)madds / root.GetProperty("madds_baseline").GetInt64(), 1e-6);
    }

    [Fact]
    public void Table_output_shows_accuracy_classes_and_cost()
    {
        string weights = Weights("resnet20");
        var output = new StringWriter();
        EvalCommand.Run(new EvalCommand.EvalSettings("resnet20", weights, "fashion-mnist", _dir.Path), output).Should().Be(0);
        output.ToString().Should().Contain("top-1 accuracy").And.Contain("Ankle boot").And.Contain("MAdds per image");
    }

    [Fact]
    public void Weights_for_other_inputs_a_missing_dataset_and_bad_options_are_clear_errors()
    {
        var rgb = () => EvalCommand.Run(new EvalCommand.EvalSettings("resnet20", Weights("resnet20", inChannels: 3), "fashion-mnist", _dir.Path), TextWriter.Null);
        rgb.Should().Throw<ArgumentException>().WithMessage("*is for 3 input channel(s)*not 1*");
        var noData = () => EvalCommand.Run(new EvalCommand.EvalSettings("resnet20", Weights("resnet20"), "cifar10", _dir.Path), TextWriter.Null);
        noData.Should().Throw<DatasetNotFoundException>().WithMessage("*cifar10*not found*");
        var noWeights = () => EvalCommand.Run(new EvalCommand.EvalSettings("resnet20", Path.Combine(_dir.Path, "none.safetensors"), "fashion-mnist", _dir.Path), TextWriter.Null);
        noWeights.Should().Throw<FileNotFoundException>().WithMessage("*none.safetensors*not found");
        var limit = () => EvalCommand.Run(new EvalCommand.EvalSettings("resnet20", "w", "fashion-mnist", Limit: 0), TextWriter.Null);
        limit.Should().Throw<ArgumentException>().WithMessage("--limit must be at least 1, got 0");
    }

    [Fact]
    public void Program_main_prints_one_json_object()
    {
        string weights = Weights("resnet20");
        var (code, stdout, stderr) = ConsoleCollection.Capture(() => Program.Main(["eval", "--model", "resnet20", "--weights", weights,
            "--dataset", "fashion-mnist", "--data", _dir.Path, "--json", "--device", "cpu"]));
        code.Should().Be(0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        doc.RootElement.GetProperty("accuracy").GetDouble().Should().BeApproximately(Reference("resnet20", weights).Accuracy, 1e-12);
    }
}
