using System.Text.Json;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Data;
using Cac.Madds;
using Cac.Models;
using Cac.Nn;
using Cac.Serialization;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac madds` and `cac train` on content-aware models, run in-process.</summary>
[Collection(ConsoleCollection.Name)]
public class CacCommandsTests
{
    private static JsonDocument MaddsJson(MaddsCommand.MaddsSettings settings)
    {
        var output = new StringWriter();
        MaddsCommand.Run(settings, output).Should().Be(0);
        return JsonDocument.Parse(output.ToString());
    }

    private static List<(string Name, string Type, long Madds)> Layers(JsonDocument doc) =>
        doc.RootElement.GetProperty("layers").EnumerateArray()
            .Select(l => (l.GetProperty("name").GetString()!, l.GetProperty("type").GetString()!, l.GetProperty("madds").GetInt64()))
            .ToList();

    [Fact]
    public void Madds_of_a_fresh_cac_resnet20_is_the_standard_cost_plus_13_per_output_position()
    {
        using var standard = MaddsJson(new MaddsCommand.MaddsSettings("resnet20", true, 32, 3, 10));
        using var cac = MaddsJson(new MaddsCommand.MaddsSettings("cac-resnet20", true, 32, 3, 10));
        cac.RootElement.GetProperty("input").GetString().Should().Contain("random").And.Contain("fresh weights");
        var standardLayers = Layers(standard);
        var cacLayers = Layers(cac);
        cacLayers.Select(l => l.Name).Should().Equal(standardLayers.Select(l => l.Name));
        for (int i = 0; i < cacLayers.Count; i++)
        {
            var (name, type, madds) = cacLayers[i];
            // Fresh gamma = 1, beta = 0 on a random input: every window sharp (rho = 1), cost = conv + 13 * Ho * Wo.
            long positions = name.StartsWith("layer3", StringComparison.Ordinal) ? 64 : name.StartsWith("layer2", StringComparison.Ordinal) ? 256 : 1024;
            bool isCac = !name.Contains("shortcut", StringComparison.Ordinal) && name != "fc";
            type.Should().Be(isCac ? nameof(ContentAwareConv2d) : standardLayers[i].Type, name);
            madds.Should().Be(standardLayers[i].Madds + (isCac ? 13 * positions : 0), name);
        }
        cac.RootElement.GetProperty("total_madds").GetInt64().Should().Be(40_813_184 + 13 * (7 * 1024 + 6 * 256 + 6 * 64));
    }

    [Fact]
    [Trait("Category", "RealData")]
    public void Madds_with_weights_and_a_dataset_costs_the_sharp_ratios_measured_on_those_images()
    {
        string dir = Directory.CreateTempSubdirectory("cac-madds-").FullName;
        try
        {
            // Weights whose thresholds make part of every layer smooth.
            string weights = Path.Combine(dir, "w.safetensors");
            var net = WeightFiles.Save(weights, "cac-resnet20", 1, 10, seed: 4, m =>
            {
                foreach (var c in m.NamedModules().Select(n => n.Module).OfType<ContentAwareConv2d>()) c.Beta.CopyFrom(Tensor.Full([1], -1.5, DType.Float32));
            });
            var cacs = net.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>().ToList();

            using var doc = MaddsJson(new MaddsCommand.MaddsSettings("cac-resnet20", true, Weights: weights, Dataset: "fashion-mnist", Limit: 64));
            doc.RootElement.GetProperty("input").GetString().Should().Contain("64 fashion-mnist test image(s)").And.Contain("w.safetensors");
            long total = doc.RootElement.GetProperty("total_madds").GetInt64();

            // Independently: the same weights on the same images, sharp ratios accumulated in an ordinary evaluation pass.
            var objective = CostAwareObjective.For(net, [1, 1, 28, 28]);
            foreach (var c in cacs) c.ResetSharpRatio();
            net.Eval();
            var test = DatasetCatalog.Open("fashion-mnist", train: false);
            using (Autograd.NoGrad())
                foreach (var batch in new DataLoader(test, 32, transform: DatasetCatalog.Info("fashion-mnist").Normalize(), limit: 64).Epoch(0))
                    net.Forward(batch.Images);
            cacs.Should().Contain(c => c.AccumulatedSharpRatio < 0.95);
            double expected = objective.MaddsAtAccumulatedRatios();
            total.Should().BeCloseTo((long)Math.Round(expected), 12, "each of the 22 rows is rounded to an integer");
            total.Should().BeLessThan((long)objective.BaselineMadds);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    [Trait("Category", "RealData")]
    public void Train_cac_resnet20_from_a_resnet20_checkpoint_reports_madds_and_sharp_ratios()
    {
        string dir = Directory.CreateTempSubdirectory("cac-train-").FullName;
        try
        {
            string init = Path.Combine(dir, "resnet20.safetensors");
            WeightFiles.Save(init, "resnet20", 1, 10, seed: 7);
            string outDir = Path.Combine(dir, "run");
            var (code, stdout, stderr) = ConsoleCollection.Capture(() => Program.Main(["train", "--model", "cac-resnet20", "--limit", "256",
                "--epochs", "1", "--batch-size", "64", "--dataset", "fashion-mnist", "--lambda", "0.3", "--init", init, "--out", outDir]));
            code.Should().Be(0, $"stdout: {stdout}\nstderr: {stderr}");

            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
            var epoch = doc.RootElement.GetProperty("epochs").EnumerateArray().Single();
            long madds = epoch.GetProperty("madds").GetInt64();
            long baseline = epoch.GetProperty("madds_baseline").GetInt64();
            baseline.Should().Be(MaddsCounter.Count(ModelRegistry.Create("resnet20", 1, 10), 1, 1, 28, 28).TotalMadds);
            epoch.GetProperty("madds_ratio").GetDouble().Should().BeApproximately((double)madds / baseline, 1e-6);
            var ratios = epoch.GetProperty("sharp_ratios").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            ratios.Keys.Should().HaveCount(19).And.Contain(["conv1", "layer1.0.conv1", "layer3.2.conv2"]);
            ratios.Values.Should().OnlyContain(r => r >= 0 && r <= 1);

            // The reported MAdds are the cost model at the reported ratios: constants + sum of (rho + (1 - rho)/9) * Omega + 13 Ho Wo.
            var objective = CostAwareObjective.For(ModelRegistry.Create("cac-resnet20", 1, 10), [1, 1, 28, 28]);
            var names = objective.Layers.ToDictionary(l => l.Layer, l => l.Name);
            madds.Should().BeCloseTo((long)Math.Round(objective.Madds(l => ratios[names[l]])), 1);

            var saved = SafeTensors.Load(Path.Combine(outDir, "model.safetensors"));
            saved.Keys.Should().Contain(["conv1.weight", "conv1.gamma", "conv1.beta", "layer3.2.conv2.beta"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
