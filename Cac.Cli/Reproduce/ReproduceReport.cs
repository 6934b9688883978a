using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cac.Cli.Reports;

namespace Cac.Cli.Reproduce;

/// <summary>
/// The report of `cac reproduce`: report.md (our MAdds, accuracy and error beside the paper's, the MAdds ratios to the
/// standard model, each row's `cac train` line and links to its figures) and report.json (the same as data). Built from the
/// rows' saved results only, so a rerun that reuses every row writes the same bytes.
/// </summary>
internal static class ReproduceReport
{
    /// <summary>The Markdown report's file name.</summary>
    public const string MarkdownFile = "report.md";

    /// <summary>The JSON report's file name.</summary>
    public const string JsonFile = "report.json";

    /// <summary>The sub-folder of the row directories.</summary>
    public const string RowsFolder = "rows";

    /// <summary>Everything the report states besides the rows.</summary>
    /// <param name="Table">"table1", "table5" or "table6".</param>
    /// <param name="Recipe">The recipe the rows train with (after --epochs / --limit).</param>
    /// <param name="OutDir">The reproduction's directory.</param>
    /// <param name="Device">--device.</param>
    /// <param name="CpuKernels">--cpu-kernels.</param>
    public sealed record Context(string Table, Recipe Recipe, string OutDir, string Device, string CpuKernels);

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Table 6: whether our MAdds reduction grows with lambda over the finished rows; null when fewer than two finished.</summary>
    public static bool? ReductionGrowsWithLambda(IReadOnlyList<ReproduceEntry> entries)
    {
        var points = entries.Where(e => e.Row.Model.StartsWith("cac-", StringComparison.Ordinal) && e.Result is not null)
            .OrderBy(e => e.Row.Lambda).Select(e => 1 - e.Result!.Ratio).ToList();
        if (points.Count < 2) return null;
        return points.Zip(points.Skip(1)).All(p => p.Second > p.First);
    }

    /// <summary>The figures of a finished row that exist, as (caption, path relative to the reproduction's directory).</summary>
    public static IReadOnlyList<(string Caption, string Path)> Figures(ReproduceEntry e, string outDir)
    {
        string rel = $"{RowsFolder}/{e.Row.Name}";
        var all = new[] { ("report", RunReport.ReportFile), ("curves", TrainingCurves.CurvesFile), ("Fig. 4", SharpRatioChart.FileName) };
        return all.Where(f => File.Exists(Path.Combine(outDir, RowsFolder, e.Row.Name, f.Item2))).Select(f => (f.Item1, $"{rel}/{f.Item2}")).ToList();
    }

    /// <summary>The text of report.md.</summary>
    public static string Markdown(Context c, IReadOnlyList<ReproduceEntry> entries)
    {
        var md = new StringBuilder();
        bool table6 = c.Table == "table6", table5 = c.Table == "table5";
        string title = table6 ? "Table 6 (the lambda study)" : table5 ? "Table 5 (adversarial robustness)" : "Table 1";
        md.Append(Inv, $"# Reproduction of the paper's {title}, {c.Recipe.Scale} scale\n\n");
        int done = entries.Count(e => e.Result is not null);
        md.Append(Inv, $"{done} of {entries.Count(e => e.Selected)} selected row(s) finished; {entries.Count} row(s) in the table. ");
        md.Append("The paper's numbers: CIFAR-10, docs/design.md \"The paper's experiments\". Error = 100% - top-1 test accuracy of the last epoch.\n\n");
        if (table5) md.Append(Table5Report.Markdown(c, entries));
        else MaddsTable(md, c, entries, table6);

        AfterTable(md, c, entries, table6);
        return md.ToString();
    }

    // Table 1 and Table 6: our MAdds and error beside the paper's, row by row.
    private static void MaddsTable(StringBuilder md, Context c, IReadOnlyList<ReproduceEntry> entries, bool table6)
    {
        md.Append("| row | model | our MAdds (M) | our accuracy | our error | paper MAdds (M) | paper error | ours vs standard | paper vs standard |");
        md.Append(table6 ? " our MAdds reduction | paper MAdds reduction |" : "").Append(" figures |\n");
        md.Append("|---|---|---:|---:|---:|---:|---:|---:|---:|").Append(table6 ? "---:|---:|" : "").Append("---|\n");
        var shape = Cac.Data.DatasetCatalog.Info(c.Recipe.Dataset).ImageShape;
        foreach (var e in entries.Where(e => e.Selected || e.Result is not null))
        {
            var r = e.Result;
            md.Append(Inv, $"| {e.Row.Label} | {e.Row.Model} | {(r is null ? "not finished" : Table1Row.Millions(r.Madds))} | ");
            md.Append(Inv, $"{(r is null ? "" : Table1Row.Percent(r.TestAccuracy, 2))} | {(r is null ? "" : Percent(r.ErrorPercent))} | ");
            md.Append(Inv, $"{e.Row.Paper.MaddsM:F2} | {Percent(e.Row.Paper.ErrorPercent)} | {(r is null ? "" : Table1Row.Percent(r.Ratio, 1))} | {Table1Row.Percent(e.Row.PaperRatio, 1)} |");
            if (table6)
                md.Append(Inv, $" {(r is null ? "" : Table1Row.Percent(1 - r.Ratio, 2))} | {Table1Row.Percent(1 - e.Row.PaperRatio, 2)} |");
            md.Append(' ').Append(string.Join(", ", Figures(e, c.OutDir).Select(f => $"[{f.Caption}]({f.Path})"))).Append(" |\n");
        }
        md.Append('\n');
        // The rest of the paper's table in one line, so that a reader sees what this run leaves out and why.
        var others = entries.Where(e => !e.Selected && e.Result is null).ToList();
        if (others.Count > 0)
            md.Append("Not run at this scale (`--models NAME` runs a row): ").Append(string.Join(", ", others.Select(e => e.Row.RunsOn(shape.Height, shape.Width)
                ? e.Row.Model
                : $"{e.Row.Model} (needs sides divisible by {e.Row.SideMultiple}; {shape.Height} x {shape.Width} here)"))).Append(".\n\n");
    }

    // The verdicts, the settings and each row's command.
    private static void AfterTable(StringBuilder md, Context c, IReadOnlyList<ReproduceEntry> entries, bool table6)
    {
        if (table6)
        {
            var grows = ReductionGrowsWithLambda(entries);
            md.Append("The paper's MAdds reduction grows monotonically with lambda (36.98% < 40.38% < 51.68% < 69.39%). Ours: ");
            md.Append(grows switch
            {
                true => "grows monotonically too (each larger lambda saves more).\n\n",
                false => "does not grow monotonically (see the reduction column).\n\n",
                null => "cannot tell yet (fewer than two CAC rows finished).\n\n",
            });
        }

        if (c.Table == "table1")
        {
            var verdicts = ClaimCheck.Verdicts(entries);
            md.Append("## The claim\n\n");
            md.Append("The paper: content-aware convolution cuts the MAdds at the same accuracy. Checked on every finished pair ");
            md.Append(Inv, $"(at most {100 * ClaimCheck.MaxMaddsRatio:F0}% of the MAdds of the same model without CAC, within {ClaimCheck.MaxAccuracyLossPoints:F1} point of its accuracy):\n\n");
            if (verdicts.Count == 0) md.Append("- no pair has finished yet\n");
            foreach (var v in verdicts) md.Append("- ").Append(v.Describe()).Append('\n');
            md.Append('\n');
        }

        md.Append("## Settings\n\n");
        md.Append(Inv, $"- recipe ({c.Recipe.Scale}): {c.Recipe.Describe()}\n");
        string paperDrops = c.Recipe.AdversarialSteps is null ? "40% and 60% of the epochs: 160 and 240 of 400" : "45%, 70% and 80% of the epochs: 90, 140 and 160 of 200";
        string milestones = c.Recipe.Schedule == "multistep" ? $" `--milestones {c.Recipe.Milestones}`" : "";
        string shape = c.Recipe.Schedule == "cosine" ? $"instead of the paper's drops at {paperDrops}: a short run has no room for them" : $"the paper's drops at {paperDrops}";
        md.Append(Inv, $"- lr schedule: `--schedule {c.Recipe.Schedule}`{milestones} ({shape})\n");
        md.Append(Inv, $"- device {c.Device}, cpu kernels {c.CpuKernels}\n");
        if (table6) md.Append("- lambda: each CAC row's own (its row name); the standard ResNet-20 is the reduction's reference\n");
        md.Append("- MAdds: multiply-adds per image of the convolution and linear layers; a content-aware model's at the sharp ratios of its last test pass; " +
                  "\"standard\" is the same architecture with standard convolutions at the same input size\n");
        if (!c.Recipe.Dataset.Equals("cifar10", StringComparison.OrdinalIgnoreCase))
            md.Append(Inv, $"- {c.Recipe.Dataset} is not the paper's CIFAR-10: the inputs differ in size (MAdds differ in absolute terms; compare the ratios) ")
              .Append("and the errors are not comparable with the paper's\n");
        if (c.Recipe.Scale != "paper")
            md.Append(Inv, $"- time: estimated {c.Recipe.EstimateSeconds(60_000, 10_000) / 60:F1} min per row on a quiet 2-core CPU ")
              .Append(Inv, $"(at {Recipe.TrainImagesPerSecond:F0} training and {Recipe.TestImagesPerSecond:F0} test images/s")
              .Append(c.Recipe.AdversarialSteps is null && c.Recipe.Attacks is null ? "" : string.Create(Inv, $", an attack step at {Recipe.AttackStepCost} of a training step"))
              .Append(")\n");
        md.Append('\n');

        md.Append("## Commands\n\nEach row by hand (a row directory already finished is reused by `cac reproduce`; one left half-done continues with `cac train --resume DIR`):\n\n");
        var input = Cac.Data.DatasetCatalog.Info(c.Recipe.Dataset).ImageShape;
        foreach (var e in entries.Where(e => e.Row.RunsOn(input.Height, input.Width)))
            md.Append(Inv, $"- {e.Row.Name}{(e.Result is { } r ? string.Create(Inv, $" ({r.Epochs} epoch(s), {r.TrainSeconds:F0} s of training)") : "")}:\n\n  ```\n  {TrainCommandLine.Format(e.Settings)}\n  ```\n\n");
    }

    // A number already in percent, two decimals: 8.37 reads "8.37%".
    private static string Percent(double percent) => percent.ToString("F2", Inv) + "%";

    /// <summary>The text of report.json.</summary>
    public static string Json(Context c, IReadOnlyList<ReproduceEntry> entries)
    {
        var rows = new JsonArray();
        foreach (var e in entries)
        {
            var r = e.Result;
            var row = new JsonObject
            {
                ["name"] = e.Row.Name,
                ["label"] = e.Row.Label,
                ["model"] = e.Row.Model,
                ["lambda"] = e.Row.Lambda,
                ["selected"] = e.Selected,
                ["command"] = TrainCommandLine.Format(e.Settings),
                // Table 5 reports no MAdds or clean error: its rows' paper numbers are under "attacks".
                ["paper"] = e.Row.PaperAttacks is not null ? null : new JsonObject
                {
                    ["madds_m"] = e.Row.Paper.MaddsM,
                    ["error_percent"] = e.Row.Paper.ErrorPercent,
                    ["ratio_to_standard"] = e.Row.PaperRatio,
                },
                ["ours"] = r is null ? null : new JsonObject
                {
                    ["madds"] = r.Madds,
                    ["standard_madds"] = r.StandardMadds,
                    ["ratio_to_standard"] = r.Ratio,
                    ["test_accuracy"] = r.TestAccuracy,
                    ["error_percent"] = r.ErrorPercent,
                    ["epochs"] = r.Epochs,
                    ["train_seconds"] = r.TrainSeconds,
                    ["mean_sharp_ratio"] = r.MeanSharpRatio,
                },
                ["figures"] = new JsonArray([.. Figures(e, c.OutDir).Select(f => (JsonNode)new JsonObject { ["caption"] = f.Caption, ["path"] = f.Path })]),
            };
            if (c.Table == "table5") row["attacks"] = Table5Report.Json(e);
            rows.Add(row);
        }
        var root = new JsonObject
        {
            ["table"] = c.Table,
            ["scale"] = c.Recipe.Scale,
            ["recipe"] = c.Recipe.Describe(),
            ["dataset"] = c.Recipe.Dataset,
            ["epochs"] = c.Recipe.Epochs,
            ["limit"] = c.Recipe.Limit,
            ["milestones"] = c.Recipe.Milestones,
            ["device"] = c.Device,
            ["cpu_kernels"] = c.CpuKernels,
            ["rows"] = rows,
        };
        if (c.Table == "table6") root["reduction_grows_with_lambda"] = ReductionGrowsWithLambda(entries);
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
