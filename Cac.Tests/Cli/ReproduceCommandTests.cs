using System.Globalization;
using System.Text.RegularExpressions;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Cli.Reproduce;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>
/// `cac reproduce`: option parsing and its one-line errors, a two-row Table 1 trained for one epoch on a tiny dataset and
/// reused without training when run again (same report bytes), a row directory with other settings refused, a row whose
/// marker is missing finished from its training state, the `cac train` line of each row, and the paper's tables in the
/// code agreeing with docs/design.md.
/// </summary>
[Collection(ConsoleCollection.Name)]
public partial class ReproduceCommandTests
{
    // A tiny fashion-mnist-shaped IDX dataset: 16 training and 8 test images of 28 x 28 (as Cac.Tests/Cli/TrainResumeTests.cs).
    private static void WriteDataset(string dir)
    {
        byte[] Labels(int n) => Enumerable.Range(0, n).Select(i => (byte)((i * 7 + 3) % 10)).ToArray();
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), IdxFiles.Images(16, 28, 28));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), IdxFiles.Labels(Labels(16)));
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), [.. IdxFiles.Header(0x00000803, 8, 28, 28), .. IdxFiles.Pixels(24, 28, 28).AsSpan(16 * 784)]);
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), IdxFiles.Labels(Labels(24)[16..]));
    }

    private static ReproduceCommand.ReproduceSettings TwoRows(string data, string outDir, int epochs = 1) =>
        new("table1", "small", Dataset: "fashion-mnist", DataDir: data, Device: "cpu", OutDir: outDir, Models: "resnet20,cac-resnet20", Limit: 64, Epochs: epochs);

    private static string Run(ReproduceCommand.ReproduceSettings s)
    {
        var progress = new StringWriter();
        var (code, stdout, stderr) = ConsoleCollection.Capture(() => ReproduceCommand.Run(s, progress));
        code.Should().Be(0, $"stdout: {stdout}\nstderr: {stderr}");
        return progress.ToString();
    }

    private static string Error(ReproduceCommand.ReproduceSettings s)
    {
        var act = () => ConsoleCollection.Capture(() => ReproduceCommand.Run(s, TextWriter.Null));
        var message = act.Should().Throw<ArgumentException>().Which.Message;
        message.Should().NotContain("\n", "errors are one line");
        return message;
    }

    [Fact]
    public void Every_option_lands_in_its_field()
    {
        var parse = Program.BuildRoot().Parse(["reproduce", "table6", "--scale", "paper", "--dataset", "mnist", "--data", "/d", "--device", "cpu",
            "--cpu-kernels", "gemm", "--out", "/o", "--models", "resnet20,cac-resnet20-lambda0.5", "--limit", "5", "--epochs", "3", "--seed", "7", "--json"]);
        parse.Errors.Should().BeEmpty();
        var settings = ReproduceCommand.SettingsFrom(parse);
        settings.Should().Be(new ReproduceCommand.ReproduceSettings("table6", "paper", "mnist", "/d", "cpu", "gemm", "/o",
            "resnet20,cac-resnet20-lambda0.5", 5, 3, 7, true));
        settings.Recipe().Should().Be(Recipe.Paper with { Dataset = "mnist", Limit = 5, Epochs = 3, Seed = 7 });
        ReproduceCommand.SettingsFrom(Program.BuildRoot().Parse(["reproduce", "table1"])).Should().Be(new ReproduceCommand.ReproduceSettings("table1"));
        new ReproduceCommand.ReproduceSettings("table1").Directory().Should().Be(Path.Combine("runs", "reproduce-table1-small"));
    }

    [Fact]
    public void An_unknown_table_lists_the_tables() =>
        Error(new ReproduceCommand.ReproduceSettings("table9")).Should().Be("unknown table 'table9'; tables: table1, table5, table6");

    [Fact]
    public void Paper_scale_without_cifar10_says_where_it_looked_and_how_to_download()
    {
        using var tmp = new TempDir();
        var message = Error(new ReproduceCommand.ReproduceSettings("table1", "paper", DataDir: tmp.Path, OutDir: Path.Combine(tmp.Path, "out")));
        message.Should().Contain("dataset 'cifar10' not found").And.Contain(Path.GetFullPath(tmp.Path)).And.Contain("cac download cifar10");
        Directory.Exists(Path.Combine(tmp.Path, "out")).Should().BeFalse("nothing is written before the data is found");
    }

    [Fact]
    public void Unknown_or_unrunnable_rows_are_refused_by_name()
    {
        using var tmp = new TempDir();
        WriteDataset(tmp.Path);
        Error(new ReproduceCommand.ReproduceSettings("table6", DataDir: tmp.Path, Models: "cac-resnet20-lambda0.4"))
            .Should().Contain("'cac-resnet20-lambda0.4' is no row of table6").And.Contain("cac-resnet20-lambda0.5");
        Error(new ReproduceCommand.ReproduceSettings("table1", Dataset: "fashion-mnist", DataDir: tmp.Path, Models: "oct-resnet20"))
            .Should().Contain("oct-resnet20").And.Contain("28 x 28");
        Error(new ReproduceCommand.ReproduceSettings("table1", Dataset: "fashion-mnist", DataDir: tmp.Path, Models: "oct-densenet121-cifar"))
            .Should().Contain("oct-densenet121-cifar").And.Contain("divide by 16").And.Contain("28 x 28");
    }

    [Fact]
    public void A_two_row_table_reports_ours_beside_the_paper_and_a_second_run_reuses_both_rows()
    {
        using var tmp = new TempDir();
        WriteDataset(tmp.Path);
        string outDir = Path.Combine(tmp.Path, "repro");
        var progress = Run(TwoRows(tmp.Path, outDir));
        progress.Should().Contain("row 1/2 resnet20: trained").And.Contain("row 2/2 cac-resnet20: trained");

        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        report.Should().Contain("| our MAdds (M) | our accuracy | our error | paper MAdds (M) | paper error | ours vs standard | paper vs standard |");
        var resnet = report.Split('\n').Single(l => l.StartsWith("| ResNet-20, standard |", StringComparison.Ordinal));
        resnet.Should().MatchRegex(@"^\| ResNet-20, standard \| resnet20 \| \d+\.\d\d \| \d+\.\d\d% \| \d+\.\d\d% \| 40\.93 \| 8\.75% \| 100\.0% \| 100\.0% \|");
        var cac = report.Split('\n').Single(l => l.StartsWith("| ResNet-20, CAC |", StringComparison.Ordinal));
        cac.Should().MatchRegex(@"^\| ResNet-20, CAC \| cac-resnet20 \| \d+\.\d\d \| \d+\.\d\d% \| \d+\.\d\d% \| 25\.79 \| 8\.37% \| \d+\.\d% \| 63\.0% \|")
            .And.Contain("(rows/cac-resnet20/sharp_ratios.png)");
        report.Should().Contain("| ResNet-32, standard | resnet32 | not run |");
        report.Should().Contain($"cac train --model cac-resnet20 --dataset fashion-mnist --data {tmp.Path}");
        File.Exists(Path.Combine(outDir, "report.json")).Should().BeTrue();

        // Again: nothing trains (the rows' files keep their times and bytes) and the report is the same.
        var files = new[] { "resnet20", "cac-resnet20" }.SelectMany(r => new[] { "model.safetensors", "row.json", "train_state.safetensors" }
            .Select(f => Path.Combine(outDir, "rows", r, f))).ToList();
        var before = files.ToDictionary(f => f, f => (File.GetLastWriteTimeUtc(f), File.ReadAllBytes(f)));
        var again = Run(TwoRows(tmp.Path, outDir));
        again.Should().Contain("row 1/2 resnet20: reused").And.Contain("row 2/2 cac-resnet20: reused").And.NotContain("trained");
        foreach (var f in files)
        {
            File.GetLastWriteTimeUtc(f).Should().Be(before[f].Item1, f);
            File.ReadAllBytes(f).Should().Equal(before[f].Item2, f);
        }
        File.ReadAllText(Path.Combine(outDir, "report.md")).Should().Be(report);

        // A row whose marker is lost (stopped after its last epoch) finishes from its training state without training.
        File.Delete(Path.Combine(outDir, "rows", "resnet20", "row.json"));
        Run(TwoRows(tmp.Path, outDir)).Should().Contain("row 1/2 resnet20: resumed");
        File.ReadAllBytes(Path.Combine(outDir, "rows", "resnet20", "model.safetensors")).Should().Equal(before[files[0]].Item2);
        File.ReadAllText(Path.Combine(outDir, "report.md")).Should().Be(report);

        // Other settings for the same directories: refused before anything trains, naming the row, the setting and both values.
        Error(TwoRows(tmp.Path, outDir, epochs: 2)).Should().Be(
            $"row 'resnet20': {Path.Combine(outDir, "rows", "resnet20")} holds a run with --epochs 1, but the row needs --epochs 2; " +
            "choose another --out or delete that directory to train it again");
        File.ReadAllText(Path.Combine(outDir, "report.md")).Should().Be(report);
    }

    [Fact]
    public void Each_rows_command_line_parses_back_to_its_settings()
    {
        foreach (var recipe in new[] { Recipe.Paper, Recipe.Small, Recipe.Quick })
        foreach (var row in ReproduceTable.Rows("table6"))
        {
            var s = recipe.SettingsFor(row.Model, row.Lambda, "runs/x y/rows/" + row.Name, "/data dir", "cpu", "gemm");
            var parse = Program.BuildRoot().Parse([.. TrainCommandLine.Arguments(s)]);
            parse.Errors.Should().BeEmpty();
            TrainCommand.SettingsFrom(parse).Should().Be(s);
            TrainCommandLine.Format(s).Should().Contain("--out 'runs/x y/rows/" + row.Name + "'");
        }
    }

    [Fact]
    public void The_recipes_hold_the_papers_schedule()
    {
        var paper = Recipe.Paper.SettingsFor("cac-resnet20", 0.3, "o", null, "auto", "fast");
        paper.Should().Be(new TrainCommand.TrainSettings("cac-resnet20", "cifar10", null, 400, 128, 0.1, "multistep", 0.9, 1e-4, null, 0, "o", 0.3,
            Device: "auto", CpuKernels: "fast", Milestones: "160,240"));
        Recipe.Small.Milestones.Should().Be("4,6");
        (Recipe.Small with { Epochs = 1 }).Schedule.Should().Be("constant");
        Recipe.Small.EstimateSeconds(60_000, 10_000).Should().BeInRange(240, 330, "a small row fits 5 minutes or so");
        (Recipe.Small with { Dataset = "fashion-mnist" }).EstimateSeconds(60_000, 10_000)
            .Should().BeLessThan(Recipe.Small.EstimateSeconds(60_000, 10_000), "28 x 28 images cost less than 32 x 32");
    }

    [Fact]
    public void The_quick_scale_trains_the_resnet20_pair_for_one_epoch_on_a_cosine()
    {
        var settings = Recipe.Quick.SettingsFor("cac-resnet20", 0.3, "o", null, "cpu", "fast");
        settings.Epochs.Should().Be(1);
        settings.Schedule.Should().Be("cosine");
        settings.Milestones.Should().BeNull("a cosine run has no drops (cac train refuses --milestones without multistep)");
        settings.Limit.Should().BeNull("every training image once");
        var act = settings.Validate;
        act.Should().NotThrow();
        Recipe.Quick.Describe().Should().Contain("cosine");
        var rows = ReproduceTable.Rows("table1");
        ReproduceTable.Selected("table1", rows, "quick", null, "fashion-mnist").Select(r => r.Name).Should().Equal("resnet20", "cac-resnet20");
        ReproduceTable.Selected("table1", rows, "small", null, "fashion-mnist-32").Select(r => r.Name)
            .Should().Equal("resnet20", "cac-resnet20", "oct-resnet20", "cac-oct-resnet20");
        Recipe.ForScale("QUICK").Should().Be(Recipe.Quick);
        var unknown = () => Recipe.ForScale("tiny");
        unknown.Should().Throw<ArgumentException>().WithMessage("--scale must be quick, small or paper, got 'tiny'");
    }

    [Fact]
    public void The_claim_is_checked_on_every_finished_pair()
    {
        var rows = ReproduceTable.Rows("table1");
        ReproduceEntry Entry(string model, double accuracy, long madds) => new(rows.Single(r => r.Model == model),
            Recipe.Quick.SettingsFor(model, 0.3, "o", null, "cpu", "fast"), true, new RowResult(accuracy, madds, 1000, 1, 1, null));
        ReproduceEntry Unfinished(string model) => Entry(model, 0, 1) with { Result = null };

        var verdicts = ClaimCheck.Verdicts([Entry("resnet20", 0.9000, 1000), Entry("cac-resnet20", 0.8905, 780),
            Entry("oct-resnet20", 0.90, 600), Entry("cac-oct-resnet20", 0.91, 500), Unfinished("resnet56"), Entry("cac-resnet56", 0.9, 100)]);
        verdicts.Should().HaveCount(2, "cac-resnet56's counterpart has not finished");
        verdicts[0].Should().Be(new ClaimVerdict("cac-resnet20", "resnet20", 0.78, 100 * (0.9 - 0.8905)));
        verdicts[0].Holds.Should().BeTrue();
        verdicts[0].Describe().Should().Be("cac-resnet20: 78.0% of resnet20's MAdds, 0.95 points less accuracy: the claim holds (<= 80% of the MAdds within 1.0 point)");
        verdicts[1].Holds.Should().BeFalse("83% of the counterpart's MAdds is no saving of the size the check asks for");
        verdicts[1].Describe().Should().Contain("1.00 points more accuracy").And.Contain("does not hold");

        ClaimCheck.Verdicts([Entry("resnet20", 0.90, 1000), Entry("cac-resnet20", 0.888, 700)]).Single().Holds
            .Should().BeFalse("1.2 points of accuracy lost is more than the bound");
    }

    [Fact]
    public void Table6_says_whether_the_reduction_grows_with_lambda()
    {
        var rows = ReproduceTable.Rows("table6");
        ReproduceEntry Entry(int i, long madds) => new(rows[i], Recipe.Small.SettingsFor(rows[i].Model, rows[i].Lambda, "o", null, "cpu", "fast"), true,
            new RowResult(0.9, madds, 100, 1, 1, null));
        ReproduceReport.ReductionGrowsWithLambda([Entry(0, 100), Entry(1, 70), Entry(2, 60), Entry(3, 50), Entry(4, 30)]).Should().BeTrue();
        ReproduceReport.ReductionGrowsWithLambda([Entry(0, 100), Entry(1, 70), Entry(2, 75), Entry(3, 50), Entry(4, 30)]).Should().BeFalse();
        ReproduceReport.ReductionGrowsWithLambda([Entry(0, 100), Entry(1, 70)]).Should().BeNull();
        rows.Select(r => r.Name).Should().Equal("resnet20", "cac-resnet20-lambda0.3", "cac-resnet20-lambda0.5", "cac-resnet20-lambda0.7", "cac-resnet20-lambda1.0");
    }

    [Fact]
    public void The_paper_tables_in_code_match_docs_design()
    {
        string docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "design.md"));
        string section = docs[docs.IndexOf("## 5. The paper's experiments", StringComparison.Ordinal)..];

        var table1 = new List<(string Type, int Column, double Madds, double Error)>();
        foreach (var type in new[] { "standard", "CAC", "OctConv", "CAC-OctConv" })
        {
            var line = section.Split('\n').Single(l => l.StartsWith($"| {type} |", StringComparison.Ordinal));
            var cells = line.Split('|', StringSplitOptions.TrimEntries)[2..^1];
            for (int c = 0; c < cells.Length; c++)
                if (cells[c] != "-")
                {
                    var parts = cells[c].Split('/', StringSplitOptions.TrimEntries);
                    table1.Add((type, c, double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture)));
                }
        }
        table1.Should().HaveCount(18);
        PaperTables.Table1.Select(c => (c.ConvType, c.Result.MaddsM, c.Result.ErrorPercent))
            .Should().BeEquivalentTo(table1.Select(t => (t.Type, t.Madds, t.Error)));
        PaperTables.Table1Cell("cac-resnet20")!.Result.Should().Be(new PaperResult(25.79, 8.37));
        PaperTables.Table1Cell("cac-oct-resnet56")!.Result.Should().Be(new PaperResult(52.12, 6.99));
        PaperTables.Table1Cell("shufflenetv2-cifar")!.Result.Should().Be(new PaperResult(45.04, 7.25));

        var table6 = Table6Line().Matches(section).Select(m => (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))).ToList();
        table6.Should().Equal(PaperTables.Table6.Select(r => (r.Lambda, r.ErrorPercent, r.MaddsReductionPercent)));
        table6.Should().HaveCount(4);
        // Table 6 at lambda 0.3 is Table 1's CAC-ResNet-20: 36.98% fewer MAdds than 40.93M leaves 25.79M.
        PaperTables.Table6[0].MaddsM.Should().BeApproximately(25.79, 0.005);
    }

    [GeneratedRegex(@"^\| (\d\.\d) \| (\d+\.\d\d) \| (\d+\.\d\d) \|$", RegexOptions.Multiline)]
    private static partial Regex Table6Line();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cac.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("no Cac.sln above " + AppContext.BaseDirectory);
    }
}
