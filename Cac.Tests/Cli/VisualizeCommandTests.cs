using System.Text.Json;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Cli.Reports;
using Cac.Data;
using Cac.Nn;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac visualize` on a tiny synthetic Fashion-MNIST test split and a cac-resnet20 with random weights.</summary>
[Collection(ConsoleCollection.Name)]
public class VisualizeCommandTests
{
    private const int TestImages = 6;

    // A t10k split of TestImages images (IdxFiles' ramps, whose wrap-arounds are strong edges) in dir.
    private static void WriteDataset(TempDir dir)
    {
        dir.Write("t10k-images-idx3-ubyte", IdxFiles.Images(TestImages, 28, 28), gzip: true);
        dir.Write("t10k-labels-idx1-ubyte", IdxFiles.Labels(0, 1, 2, 3, 4, 5), gzip: true);
    }

    // Random weights whose thresholds (beta = -1) leave part of each layer's windows smooth; returns the file.
    private static (Module Net, string Path) WriteWeights(TempDir dir)
    {
        string path = Path.Combine(dir.Path, "weights.safetensors");
        var net = WeightFiles.Save(path, "cac-resnet20", 1, 10, seed: 3,
            m => { foreach (var (_, layer) in MaskCapture.Layers(m)) layer.Beta.CopyFrom(Tensor.Full([1], -1.0, DType.Float32)); });
        return (net, path);
    }

    [Fact]
    public void Writes_mask_figures_the_sharp_ratio_chart_and_json_matching_an_independent_pass()
    {
        using var dir = new TempDir();
        WriteDataset(dir);
        var (net, weights) = WriteWeights(dir);
        string outDir = Path.Combine(dir.Path, "out");
        var output = new StringWriter();

        VisualizeCommand.Run(new VisualizeCommand.VisualizeSettings("cac-resnet20", weights, "fashion-mnist", dir.Path, outDir, Images: 2, Limit: 5), output)
            .Should().Be(0);

        // Independently: the same weights on the same 5 images (normalised with Fashion-MNIST's mean and std) in one batch.
        var test = DatasetCatalog.Open("fashion-mnist", dir.Path, train: false);
        var images = new float[5 * 28 * 28];
        for (int i = 0; i < 5; i++) test.CopyImage(i, images.AsSpan(i * 784, 784));
        var x = Tensor.FromArray(images.Select(v => (v - 0.2860f) / 0.3530f).ToArray(), [5, 1, 28, 28]);
        var layers = MaskCapture.Layers(net);
        net.Eval();
        using (Autograd.NoGrad()) net.Forward(x);
        var expected = layers.Select(l => (l.Name, Ratio: l.Layer.LastMask!.ToFloatArray().Average(v => (double)v))).ToList();

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "sharp_ratios.json")));
        var root = doc.RootElement;
        root.GetProperty("model").GetString().Should().Be("cac-resnet20");
        root.GetProperty("images").GetInt32().Should().Be(5);
        var jsonLayers = root.GetProperty("layers").EnumerateArray().ToList();
        jsonLayers.Select(l => l.GetProperty("name").GetString()).Should().Equal(expected.Select(e => e.Name));
        jsonLayers.Should().HaveCount(19, "ResNet-20: every 3 x 3 conv, stem included");
        for (int i = 0; i < expected.Count; i++)
            jsonLayers[i].GetProperty("sharp_ratio").GetDouble().Should().BeApproximately(expected[i].Ratio, 1e-12, expected[i].Name);
        expected.Should().Contain(e => e.Ratio > 0.02 && e.Ratio < 0.98, "the masks depend on the content");
        root.GetProperty("madds").GetInt64().Should().BeLessThan(root.GetProperty("madds_baseline").GetInt64());

        // Fig. 3: one PNG per image, input + 19 masks on a 5-column grid of 240 x 260 panels.
        PngFile.ShouldBePng(Path.Combine(outDir, "masks_0000.png"), 5 * 240, 4 * 260);
        PngFile.ShouldBePng(Path.Combine(outDir, "masks_0001.png"), 5 * 240, 4 * 260);
        File.Exists(Path.Combine(outDir, "masks_0002.png")).Should().BeFalse("--images 2");
        // Fig. 4: one bar per layer.
        var chart = PngFile.ShouldBePng(Path.Combine(outDir, "sharp_ratios.png"), 60 * 19 + 200, 560);
        PngFile.ColouredPixels(chart).Should().BeGreaterThan(500);

        output.ToString().Should().Contain("5 fashion-mnist test image(s)").And.Contain("layer3.2.conv2").And.Contain("2 mask figure(s)");
    }

    [Fact]
    public void Captured_masks_are_the_per_image_planes_of_the_pass()
    {
        using var dir = new TempDir();
        WriteDataset(dir);
        var (net, _) = WriteWeights(dir);
        var test = DatasetCatalog.Open("fashion-mnist", dir.Path, train: false);
        // Batches of 2: the three captured images span two batches.
        var loader = new DataLoader(test, 2, transform: DatasetCatalog.Info("fashion-mnist").Normalize());
        var pass = MaskCapture.Run(net, loader, 3);

        pass.Samples.Should().Be(TestImages);
        pass.Images.Select(i => i.Index).Should().Equal(0, 1, 2);
        pass.Images.Select(i => i.Label).Should().Equal(0, 1, 2);
        var conv1 = pass.Images.Select(i => i.Masks[0]).ToList();
        conv1.Should().OnlyContain(m => m.Layer == "conv1" && m.Height == 28 && m.Width == 28 && m.Mask.All(v => v == 0 || v == 1));
        pass.Images[0].Masks[^1].Height.Should().Be(7, "layer3 runs at a quarter of the resolution");
        // Over the whole pass: sharp windows / windows equals the mean of all per-image ratios (equal-size planes).
        var all = MaskCapture.Run(net, new DataLoader(test, 4, transform: DatasetCatalog.Info("fashion-mnist").Normalize()), TestImages);
        for (int l = 0; l < all.Layers.Count; l++)
        {
            all.Layers[l].Windows.Should().Be(TestImages * (long)all.Images[0].Masks[l].Mask.Length);
            all.Layers[l].SharpRatio.Should().BeApproximately(all.Images.Average(i => i.Masks[l].SharpRatio), 1e-12);
        }
        // The first batch's masks are the same whatever the batch size.
        all.Images[1].Masks[0].Mask.Should().Equal(pass.Images[1].Masks[0].Mask);
    }

    [Fact]
    public void A_model_without_cac_layers_is_an_error_naming_it()
    {
        using var dir = new TempDir();
        var act = () => VisualizeCommand.Run(new VisualizeCommand.VisualizeSettings("resnet20", "nope.safetensors", "fashion-mnist", dir.Path), TextWriter.Null);
        act.Should().Throw<ArgumentException>().WithMessage("*resnet20*no content-aware*cac-resnet20*");
    }

    [Fact]
    public void A_missing_weights_file_is_an_error_naming_it()
    {
        using var dir = new TempDir();
        string missing = Path.Combine(dir.Path, "missing.safetensors");
        var act = () => VisualizeCommand.Run(new VisualizeCommand.VisualizeSettings("cac-resnet20", missing, "fashion-mnist", dir.Path), TextWriter.Null);
        act.Should().Throw<FileNotFoundException>().WithMessage($"*{missing}*");
    }

    [Fact]
    public void Program_main_reports_errors_in_one_line()
    {
        var (code, _, stderr) = ConsoleCollection.Capture(() =>
            Program.Main(["visualize", "--model", "resnet20", "--weights", "w.safetensors", "--dataset", "fashion-mnist"]));
        code.Should().NotBe(0);
        stderr.Should().Contain("resnet20").And.Contain("content-aware").And.NotContain("   at ");

        var (missingCode, _, missingErr) = ConsoleCollection.Capture(() => Program.Main(["visualize", "--model", "cac-resnet20", "--dataset", "fashion-mnist"]));
        missingCode.Should().NotBe(0);
        missingErr.Should().Contain("--weights");
    }
}
