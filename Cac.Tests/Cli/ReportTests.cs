using Cac.Cli.Commands;
using Cac.Cli.Reports;
using Cac.Cli.Training;
using Cac.Models;
using Cac.Tests.Data;
using FluentAssertions;
using ScottPlot.Plottables;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>The training report (report.md and its figures) written after each epoch of `cac train`.</summary>
public class ReportTests
{
    private static readonly Dictionary<string, double> Ratios = new()
    {
        ["conv1"] = 0.9,
        ["layer1.0.conv1"] = 0.6125,
        ["layer3.2.conv2"] = 0.0375,
    };

    // Two epochs of a content-aware run: epoch 2 costs 31,204,567 of 40,813,184 MAdds (76.457%) at 91.23% test accuracy.
    private static RunMetrics CacRun(int epochs = 2)
    {
        var rows = new List<EpochMetrics>
        {
            new(1, 1.2345, 0.55, 0.8411, 12.5, 800, 0.1, 38_000_000, 40_813_184, 38_000_000 / 40_813_184.0,
                new Dictionary<string, double> { ["conv1"] = 1, ["layer1.0.conv1"] = 0.95, ["layer3.2.conv2"] = 0.5 }),
            new(2, 0.4321, 0.8765, 0.9123, 11.9, 840, 0.05, 31_204_567, 40_813_184, 31_204_567 / 40_813_184.0, Ratios),
        };
        return new RunMetrics("cac-resnet20", "fashion-mnist", 272_474, 7, 64, rows.Take(epochs).ToList());
    }

    private static TrainCommand.TrainSettings Settings() =>
        new("cac-resnet20", "fashion-mnist", null, 2, 64, 0.1, "cosine", 0.9, 1e-4, 500, 7, "runs/x", 0.3);

    [Fact]
    public void Report_of_a_cac_run_has_the_table1_row_the_sharp_ratios_and_the_figures()
    {
        using var dir = new TempDir();
        var metrics = CacRun();
        var problems = RunReport.Write(dir.Path, metrics, new RunReportContext(ReportSettings.From(Settings())));
        problems.Should().BeEmpty();

        string md = File.ReadAllText(Path.Combine(dir.Path, RunReport.ReportFile));
        md.Should().Contain("| model | MAdds (M) | MAdds vs standard | test accuracy |");
        md.Should().Contain("| cac-resnet20 | 31.20 | 76.5% | 91.23% |", "the last epoch's measured MAdds against its baseline");
        md.Should().Contain("40.81M");
        md.Should().Contain("| conv1 | 0.9000 |").And.Contain("| layer1.0.conv1 | 0.6125 |").And.Contain("| layer3.2.conv2 | 0.0375 |");
        md.Should().Contain("| mean | 0.5167 |");
        md.Should().NotContain("| layer1.0.conv1 | 0.9500 |", "the table shows the last epoch's ratios");
        md.Should().Contain("| 1 | 0.1 | 1.2345 | 55.00% | 84.11% | 12.5 | 800 | 38.00 | 93.1% |");
        md.Should().Contain("| 2 | 0.05 | 0.4321 | 87.65% | 91.23% | 11.9 | 840 | 31.20 | 76.5% |");
        md.Should().Contain("Best test accuracy: 91.23% (epoch 2)");
        md.Should().Contain("| batch size | 64 |").And.Contain("| lr | 0.1 |").And.Contain("| schedule | cosine |")
            .And.Contain("| weight decay | 0.0001 |").And.Contain("| limit | 500 |").And.Contain("| init | (none) |").And.Contain("| parameters | 272,474 |");
        md.Should().Contain("](curves.png)").And.Contain("](madds.png)").And.Contain("](sharp_ratios.png)");

        PngFile.ShouldBePng(Path.Combine(dir.Path, "curves.png"), 1200, 450);
        PngFile.ShouldBePng(Path.Combine(dir.Path, "madds.png"), 800, 450);
        var bars = PngFile.ShouldBePng(Path.Combine(dir.Path, "sharp_ratios.png"), 700, 560);
        PngFile.ColouredPixels(bars).Should().BeGreaterThan(2000, "three bars of up to 0.9 of the height are drawn");
        Directory.GetFiles(dir.Path, "*.tmp").Should().BeEmpty();
    }

    [Fact]
    public void Report_of_a_standard_run_costs_the_model_madds_and_draws_no_cac_figures()
    {
        using var dir = new TempDir();
        var metrics = new RunMetrics("oct-resnet20", "cifar10", 272_474, 0, 128,
            [new EpochMetrics(1, 2.0, 0.3, 0.35, 3, 100, 0.1)]);
        RunReport.Write(dir.Path, metrics, new RunReportContext([], ModelMadds: 25_000_000, StandardMadds: 40_813_184, StandardModel: "resnet20"));

        string md = File.ReadAllText(Path.Combine(dir.Path, RunReport.ReportFile));
        md.Should().Contain("| oct-resnet20 | 25.00 | 61.3% | 35.00% |");
        md.Should().Contain("Standard: resnet20 with standard convolutions, 40.81M");
        md.Should().NotContain("madds.png").And.NotContain("sharp_ratios.png").And.NotContain("Sharp ratio per");
        md.Should().NotContain("top-5", "the run recorded no top-5 accuracy");
        File.Exists(Path.Combine(dir.Path, "madds.png")).Should().BeFalse();
        File.Exists(Path.Combine(dir.Path, "sharp_ratios.png")).Should().BeFalse();
        PngFile.ShouldBePng(Path.Combine(dir.Path, "curves.png"), 1200, 450);
    }

    [Fact]
    public void Report_gives_the_last_epochs_top1_and_top5_error_when_recorded()
    {
        using var dir = new TempDir();
        var metrics = new RunMetrics("resnet18", "imagenet", 11_689_512, 0, 256,
            [new EpochMetrics(1, 6.0, 0.01, 0.2, 3, 100, 0.1, TestTop5Accuracy: 0.4), new EpochMetrics(2, 5.0, 0.02, 0.25, 3, 100, 0.1, TestTop5Accuracy: 0.45)]);
        RunReport.Write(dir.Path, metrics, new RunReportContext([], ModelMadds: 1_814_073_344));
        File.ReadAllText(Path.Combine(dir.Path, RunReport.ReportFile)).Should().Contain("top-1 75.00%, top-5 55.00%");
    }

    [Fact]
    public void Report_links_the_mask_figures_once_they_exist()
    {
        using var dir = new TempDir();
        RunReport.Write(dir.Path, CacRun());
        File.ReadAllText(Path.Combine(dir.Path, RunReport.ReportFile)).Should().NotContain("Fig. 3");

        var masks = Directory.CreateDirectory(Path.Combine(dir.Path, RunReport.MaskFolder)).FullName;
        File.WriteAllBytes(Path.Combine(masks, "masks_0001.png"), []);
        File.WriteAllBytes(Path.Combine(masks, "masks_0000.png"), []);
        File.WriteAllBytes(Path.Combine(masks, "other.png"), []);
        RunReport.Write(dir.Path, CacRun());
        string md = File.ReadAllText(Path.Combine(dir.Path, RunReport.ReportFile));
        md.Should().Contain("(masks/masks_0000.png)").And.Contain("(masks/masks_0001.png)").And.NotContain("other.png");
        md.IndexOf("masks_0000", StringComparison.Ordinal).Should().BeLessThan(md.IndexOf("masks_0001", StringComparison.Ordinal));
    }

    [Fact]
    public void Report_is_rewritten_after_each_epoch()
    {
        using var dir = new TempDir();
        RunReport.Write(dir.Path, CacRun(epochs: 1));
        string first = File.ReadAllText(Path.Combine(dir.Path, RunReport.ReportFile));
        first.Should().Contain("1 epoch(s) finished").And.Contain("| cac-resnet20 | 38.00 | 93.1% | 84.11% |");

        RunReport.Write(dir.Path, CacRun(epochs: 2));
        string second = File.ReadAllText(Path.Combine(dir.Path, RunReport.ReportFile));
        second.Should().Contain("2 epoch(s) finished").And.Contain("| cac-resnet20 | 31.20 | 76.5% | 91.23% |");
        Directory.GetFiles(dir.Path, "*.tmp").Should().BeEmpty();
    }

    [Fact]
    public void One_epoch_curves_draw_markers()
    {
        var (loss, accuracy) = TrainingCurves.BuildCurves(CacRun(epochs: 1));
        using (loss)
        using (accuracy)
        {
            var series = loss.GetPlottables().Concat(accuracy.GetPlottables()).OfType<Scatter>().ToList();
            series.Should().HaveCount(3);
            series.Should().OnlyContain(s => s.MarkerSize > 0 && s.Data.GetScatterPoints().Count == 1);
            loss.Axes.GetLimits().Left.Should().BeLessThan(1);
            loss.Axes.GetLimits().Right.Should().BeGreaterThan(1);
        }
    }

    [Fact]
    public void Curves_png_of_one_epoch_shows_its_points()
    {
        using var dir = new TempDir();
        RunReport.Write(dir.Path, CacRun(epochs: 1));
        var image = PngFile.ShouldBePng(Path.Combine(dir.Path, "curves.png"), 1200, 450);
        PngFile.ColouredPixels(image).Should().BeGreaterThan(0);
    }

    [Fact]
    public void Measure_counts_the_model_and_its_standard_counterpart()
    {
        var standard = RunReportContext.Measure(Settings(), ModelRegistry.Create("resnet20", 3, 10, new Generator(0)), "resnet20", [1, 3, 32, 32], 10);
        standard.ModelMadds.Should().Be(40_813_184, "docs/design.md: ResNet-20's MAdds");
        standard.StandardMadds.Should().Be(40_813_184);
        standard.StandardModel.Should().Be("resnet20");
        standard.Settings.Should().Contain(new KeyValuePair<string, string>("model", "cac-resnet20"));

        var cac = RunReportContext.Measure(Settings(), ModelRegistry.Create("cac-resnet20", 3, 10, new Generator(0)), "cac-resnet20", [1, 3, 32, 32], 10);
        cac.ModelMadds.Should().BeNull("a content-aware model's cost is measured per epoch");
        cac.StandardMadds.Should().Be(40_813_184);
        cac.StandardModel.Should().Be("resnet20");
    }
}
