using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cac.Cli;
using Cac.Cli.Commands;
using Cac.Cli.Reproduce;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>
/// `cac reproduce table5`: the adversarially trained ResNet-20 pair on a tiny dataset, attacked with the four Table 5
/// attacks (white box and transfer), reused without attacking when run again; the recipes; the masking verdict; the
/// paper's Table 5 in the code agreeing with docs/design.md.
/// </summary>
public partial class ReproduceCommandTests
{
    private static ReproduceCommand.ReproduceSettings Table5Pair(string data, string outDir) =>
        new("table5", "small", DataDir: data, Device: "cpu", OutDir: outDir, Models: "resnet20,cac-resnet20", Limit: 64, Epochs: 1);

    [Fact]
    public void Table5_attacks_both_rows_white_box_and_transfer_and_a_rerun_attacks_nothing()
    {
        using var tmp = new TempDir();
        WriteDataset(tmp.Path);
        string outDir = Path.Combine(tmp.Path, "repro");
        var progress = Run(Table5Pair(tmp.Path, outDir));
        progress.Should().Contain("row 1/2 resnet20: trained").And.Contain("row 2/2 cac-resnet20: trained");
        progress.Should().MatchRegex(@"resnet20 under PGD-100 on 8 image\(s\): error \d+\.\d\d% \(paper 65\.41%\), transferred to cac-resnet20 \d+\.\d\d%; \d+\.\d s");
        progress.Should().Contain("cac-resnet20 under FGSM on 8 image(s)").And.Contain("(paper 28.97%), transferred to resnet20");

        string report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        report.Should().Contain("# Reproduction of the paper's Table 5 (adversarial robustness), small scale");
        report.Split('\n').Single(l => l.StartsWith("| ResNet-20, CAC |", StringComparison.Ordinal)).Should().MatchRegex(
            @"^\| ResNet-20, CAC \| cac-resnet20 \| \d+\.\d\d% \| \d+\.\d% \| \d+\.\d\d% \| 28\.97% \| \d+\.\d\d% \| 53\.67% \| \d+\.\d\d% \| 57\.13% \| \d+\.\d\d% \| 64\.74% \|");
        report.Should().Contain("| ResNet-56, standard | resnet56 | not run |");
        report.Should().MatchRegex(@"\| resnet20 \| cac-resnet20 \|( \d+\.\d\d% \|){4}").And.MatchRegex(@"\| cac-resnet20 \| resnet20 \|( \d+\.\d\d% \|){4}");
        report.Should().MatchRegex("- cac-resnet20: (every white-box attack|the examples transferred from resnet20)");
        report.Should().Contain("--adversarial pgd --adv-steps 7").And.Contain("--weight-decay 0.0005").And.Contain("the first 64 test images (PGD-100: the first 64)");

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")))!;
        var attacks = json["rows"]![1]!["attacks"]!.AsArray();
        attacks.Select(a => (string)a!["column"]!).Should().Equal("fgsm", "mifgsm10", "pgd10", "pgd100");
        attacks[3]!["steps"]!.GetValue<int>().Should().Be(100);
        attacks[3]!["paper_error_percent"]!.GetValue<double>().Should().Be(64.74);
        attacks[0]!["targets"]!.AsArray().Select(t => (string)t!["row"]!).Should().Equal("cac-resnet20", "resnet20");

        // Again: every row and every attack reused, the same report; the saved attacks untouched.
        var saved = new[] { "resnet20", "cac-resnet20" }.Select(r => Path.Combine(outDir, "rows", r, AttackStore.FileName)).ToList();
        var before = saved.ToDictionary(f => f, File.ReadAllBytes);
        var again = Run(Table5Pair(tmp.Path, outDir));
        again.Should().NotContain(": trained").And.NotMatchRegex(@"\d s$");
        Regex.Matches(again, "; reused").Count.Should().Be(8);
        File.ReadAllText(Path.Combine(outDir, "report.md")).Should().Be(report);
        foreach (var f in saved) File.ReadAllBytes(f).Should().Equal(before[f]);

        // One row's attacks lost: only that row is attacked again, to the same numbers (seeded random starts on the CPU).
        File.Delete(saved[1]);
        var third = Run(Table5Pair(tmp.Path, outDir));
        Regex.Matches(third, @"resnet20 under [^\n]*; reused").Count.Should().Be(4);
        third.Should().MatchRegex(@"cac-resnet20 under PGD-10 on 8 image\(s\)[^\n]*; \d+\.\d s");
        File.ReadAllText(Path.Combine(outDir, "report.md")).Should().Be(report);
    }

    [Fact]
    public void Table5_recipes_hold_the_papers_adversarial_training_and_the_small_one_fits_40_minutes()
    {
        var paper = Recipe.For("table5", "paper").SettingsFor("cac-resnet56", 0.3, "o", null, "auto", "fast");
        paper.Should().Be(new TrainCommand.TrainSettings("cac-resnet56", "cifar10", null, 200, 128, 0.1, "multistep", 0.9, 5e-4, null, 0, "o", 0.3,
            Device: "auto", CpuKernels: "fast", Milestones: "90,140,160", Adversarial: "pgd", AdvSteps: 7));
        Recipe.For("TABLE5", "paper").Attacks.Should().Be(new AttackPlan(null, null), "the paper attacks the whole test set");
        Recipe.For("table1", "paper").Should().Be(Recipe.Paper);

        var small = Recipe.For("table5", "small");
        small.SettingsFor("resnet20", 0.3, "o", null, "cpu", "fast").Should().Match<TrainCommand.TrainSettings>(s =>
            s.Dataset == "fashion-mnist" && s.Adversarial == "pgd" && s.AdvSteps == 7 && s.Milestones == "5,7,8" && s.WeightDecay == 5e-4);
        (2 * small.EstimateSeconds(60_000, 10_000)).Should().BeInRange(20 * 60, 35 * 60, "the pair fits the 40 minutes of a quiet 2-core CPU");
        small.AttackSeconds(10_000).Should().BeGreaterThan(0);
        Recipe.Small.AttackSeconds(10_000).Should().Be(0, "table1 attacks nothing");
        small.Describe().Should().Contain("PGD-7").And.Contain("the first 2,000 test images (PGD-100: the first 500)");

        var quick = () => Recipe.For("table5", "quick");
        quick.Should().Throw<ArgumentException>().WithMessage("table5 has no quick scale*");
        foreach (var recipe in new[] { Recipe.Table5Small, Recipe.Table5Paper })
        foreach (var row in ReproduceTable.Rows("table5"))
        {
            var s = recipe.SettingsFor(row.Model, row.Lambda, "rows/" + row.Name, null, "cpu", "fast");
            TrainCommand.SettingsFrom(Program.BuildRoot().Parse([.. TrainCommandLine.Arguments(s)])).Should().Be(s);
        }
        ReproduceTable.Selected("table5", ReproduceTable.Rows("table5"), "small", null, "fashion-mnist").Select(r => r.Name)
            .Should().Equal("resnet20", "cac-resnet20");
        ReproduceTable.Selected("table5", ReproduceTable.Rows("table5"), "paper", null, "cifar10").Select(r => r.Name)
            .Should().Equal("resnet20", "cac-resnet20", "resnet56", "cac-resnet56");
    }

    [Fact]
    public void An_attack_plan_stays_within_the_runs_limit()
    {
        var pgd100 = AttackColumns.Table5.Single(c => c.Name == "pgd100");
        var fgsm = AttackColumns.Table5[0];
        new AttackPlan(2000, 500).ImagesFor(pgd100, null).Should().Be(500);
        new AttackPlan(2000, 500).ImagesFor(fgsm, 64).Should().Be(64);
        new AttackPlan(null, null).ImagesFor(fgsm, 64).Should().Be(64);
        new AttackPlan(null, null).ImagesFor(pgd100, null).Should().BeNull();
        fgsm.Options().Should().Be(new Cac.Adversarial.AttackOptions(8.0 / 255, 2.0 / 255, 1, RandomStart: false));
        pgd100.Options().RandomStart.Should().BeTrue();
    }

    [Fact]
    public void A_cac_row_that_transferred_examples_hurt_more_than_its_own_is_flagged()
    {
        var rows = ReproduceTable.Rows("table5");
        var recipe = Recipe.Table5Small;
        var specs = Table5Attacks.Specs(recipe);
        AttackResult Attack(int column, string source, double ownError, string other, double transferredError) => new(specs[column], "w", 8, 1,
            [new TargetResult(source, "w", 0.9, 1 - ownError / 100), new TargetResult(other, "w", 0.9, 1 - transferredError / 100)]);
        ReproduceEntry Entry(string model, params AttackResult[] attacks) => new(rows.Single(r => r.Model == model),
            recipe.SettingsFor(model, 0.3, "o", null, "cpu", "fast"), true, new RowResult(0.9, 1, 1, 1, 1, null), attacks);

        var standard = Entry("resnet20", Attack(0, "resnet20", 40, "cac-resnet20", 30), Attack(2, "resnet20", 60, "cac-resnet20", 55));
        var cac = Entry("cac-resnet20", Attack(0, "cac-resnet20", 35, "resnet20", 38), Attack(2, "cac-resnet20", 50, "resnet20", 42));
        var checks = Table5Report.Checks(cac, [standard, cac]);
        checks.Select(c => (c.Column.Name, Math.Round(c.WhiteBoxErrorPercent, 6), Math.Round(c.TransferErrorPercent, 6)))
            .Should().Equal(("fgsm", 35.0, 30.0), ("pgd10", 50.0, 55.0));
        checks.Select(c => c.WhiteBoxStronger).Should().Equal(true, false);
        Table5Report.Checks(standard, [standard, cac]).Should().BeEmpty("the check is about the CAC model's gradients");

        string md = Table5Report.Markdown(new ReproduceReport.Context("table5", recipe, "o", "cpu", "fast"), [standard, cac]);
        md.Should().Contain("- cac-resnet20: the examples transferred from resnet20 hurt it more than the white-box attack under PGD-10");
    }

    [Fact]
    public void The_papers_table5_in_code_matches_docs_design()
    {
        string docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "design.md"));
        string section = docs[docs.IndexOf("### Table 5", StringComparison.Ordinal)..];
        var fromDocs = new List<(string Model, double[] Errors)>();
        foreach (var (architecture, suffix) in new[] { ("ResNet-20", "resnet20"), ("ResNet-56", "resnet56") })
        {
            var cells = section.Split('\n').First(l => l.StartsWith($"| {architecture} |", StringComparison.Ordinal))
                .Split('|', StringSplitOptions.TrimEntries)[2..^1]
                .Select(cell => cell.Split("->", StringSplitOptions.TrimEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
            cells.Should().HaveCount(4).And.OnlyContain(c => c.Length == 2);
            fromDocs.Add((suffix, [.. cells.Select(c => c[0])]));
            fromDocs.Add(("cac-" + suffix, [.. cells.Select(c => c[1])]));
        }
        PaperTables.Table5.Select(r => (r.Model, r.ErrorPercent.ToArray())).Should().BeEquivalentTo(fromDocs, o => o.WithStrictOrdering());
        PaperTables.Table5.Single(r => r.Model == "cac-resnet20").ErrorPercent.Should().Equal(28.97, 53.67, 57.13, 64.74);
    }
}
