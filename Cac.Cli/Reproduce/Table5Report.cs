using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Cac.Cli.Reports;

namespace Cac.Cli.Reproduce;

/// <summary>
/// The Table 5 part of a reproduction's report: per row our error under each attack beside the paper's, and the transfer
/// table (examples crafted on one model of a pair, classified by the other) with a gradient-masking verdict per CAC row.
/// </summary>
internal static class Table5Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// A CAC row's masking check under one attack: whether the white-box attack on the CAC model does at least as well as
    /// the examples transferred from its standard partner. A gradient attack that does worse than a black-box transfer
    /// sees a misleading gradient (masked gradients, Athalye et al. 2018), and its robustness is not real.
    /// </summary>
    /// <param name="Column">The attack.</param>
    /// <param name="WhiteBoxErrorPercent">The CAC model's error on examples crafted on itself.</param>
    /// <param name="TransferErrorPercent">Its error on examples crafted on the standard partner.</param>
    public sealed record MaskingCheck(AttackColumn Column, double WhiteBoxErrorPercent, double TransferErrorPercent)
    {
        /// <summary>Whether the white-box attack is at least as strong as the transfer one (no sign of masking).</summary>
        public bool WhiteBoxStronger => WhiteBoxErrorPercent >= TransferErrorPercent;
    }

    /// <summary>The masking checks of a finished CAC row whose partner's examples it classified, one per attack done.</summary>
    public static IReadOnlyList<MaskingCheck> Checks(ReproduceEntry cac, IReadOnlyList<ReproduceEntry> entries)
    {
        if (!cac.Row.Model.StartsWith("cac-", StringComparison.Ordinal)) return [];
        var partner = entries.FirstOrDefault(e => e.Row.Model == ReproduceTable.Partner(cac.Row.Model));
        var checks = new List<MaskingCheck>();
        foreach (var own in cac.Attacks ?? [])
        {
            var transferred = partner?.Attacks?.FirstOrDefault(a => a.Spec.Column == own.Spec.Column)?.On(cac.Row.Name);
            if (transferred is null) continue;
            checks.Add(new MaskingCheck(Column(own), own.Targets[0].ErrorPercent, transferred.ErrorPercent));
        }
        return checks;
    }

    /// <summary>The Markdown tables: white-box errors beside the paper's, then the transfer attacks and the masking verdicts.</summary>
    public static string Markdown(ReproduceReport.Context c, IReadOnlyList<ReproduceEntry> entries)
    {
        var md = new StringBuilder();
        var columns = AttackColumns.Table5;
        md.Append("| row | model | our clean error | our MAdds vs standard |");
        foreach (var col in columns) md.Append(Inv, $" {col.Label}: ours | paper |");
        md.Append(" figures |\n|---|---|---:|---:|").Append(string.Concat(columns.Select(_ => "---:|---:|"))).Append("---|\n");
        foreach (var e in entries)
        {
            var r = e.Result;
            md.Append(Inv, $"| {e.Row.Label} | {e.Row.Model} | {(r is null ? (e.Selected ? "not finished" : "not run") : Percent(r.ErrorPercent))} | ");
            md.Append(r is null ? "" : Table1Row.Percent(r.Ratio, 1)).Append(" |");
            for (int i = 0; i < columns.Count; i++)
            {
                var ours = e.Attacks?.FirstOrDefault(a => a.Spec.Column == columns[i].Name);
                md.Append(Inv, $" {(ours is null ? "" : Percent(ours.Targets[0].ErrorPercent))} | {Percent(e.Row.PaperAttacks!.ErrorPercent[i])} |");
            }
            md.Append(' ').Append(string.Join(", ", ReproduceReport.Figures(e, c.OutDir).Select(f => $"[{f.Caption}]({f.Path})"))).Append(" |\n");
        }
        md.Append('\n');
        md.Append(Inv, $"Error on adversarial examples: 100% - top-1 accuracy on {c.Recipe.Attacks?.Describe(c.Recipe.Limit)}, ");
        md.Append("white box (crafted on the model itself), eps 8/255, step 2/255, PGD from a uniform random start, MI-FGSM with momentum 1. ");
        md.Append("The paper's columns are its CIFAR-10 numbers; \"our clean error\" is the adversarially trained model's on its test images.\n\n");

        md.Append("## Transfer attacks (the gradient-masking check)\n\n");
        md.Append("A CAC layer's mask is a step function of its input, so a white-box gradient sees only the convolution paths. ");
        md.Append("If that misled the attacks, examples crafted on the standard model would hurt the CAC model more than its own (white-box) ones do. ");
        md.Append("Error of each model on the examples crafted on the other:\n\n");
        md.Append("| crafted on | evaluated on |").Append(string.Concat(columns.Select(col => $" {col.Label} |"))).Append('\n');
        md.Append("|---|---|").Append(string.Concat(columns.Select(_ => "---:|"))).Append('\n');
        int rows = 0;
        foreach (var source in entries.Where(e => e.Attacks is { Count: > 0 }))
        foreach (var target in source.Attacks![0].Targets.Skip(1).Select(t => t.Row).Distinct())
        {
            md.Append(Inv, $"| {source.Row.Name} | {target} |");
            foreach (var col in columns)
            {
                var t = source.Attacks.FirstOrDefault(a => a.Spec.Column == col.Name)?.On(target);
                md.Append(Inv, $" {(t is null ? "" : Percent(t.ErrorPercent))} |");
            }
            md.Append('\n');
            rows++;
        }
        if (rows == 0) md.Append("| (no pair has been attacked yet) | |").Append(string.Concat(columns.Select(_ => " |"))).Append('\n');
        md.Append('\n');
        foreach (var e in entries)
        {
            var checks = Checks(e, entries);
            if (checks.Count == 0) continue;
            var weaker = checks.Where(k => !k.WhiteBoxStronger).Select(k => k.Column.Label).ToList();
            md.Append(Inv, $"- {e.Row.Name}: ");
            md.Append(weaker.Count == 0
                ? $"every white-box attack ({checks.Count}) hurts it at least as much as the examples transferred from {ReproduceTable.Partner(e.Row.Model)}: no sign of masked gradients.\n"
                : $"the examples transferred from {ReproduceTable.Partner(e.Row.Model)} hurt it more than the white-box attack under {string.Join(", ", weaker)}: " +
                  "a sign of masked gradients (its white-box robustness overstates the real one).\n");
        }
        md.Append('\n');
        return md.ToString();
    }

    /// <summary>The "attacks" array of a row in report.json.</summary>
    public static JsonArray Json(ReproduceEntry e)
    {
        var array = new JsonArray();
        foreach (var a in e.Attacks ?? [])
        {
            var column = Column(a);
            int index = AttackColumns.Table5.ToList().IndexOf(column);
            array.Add(new JsonObject
            {
                ["column"] = column.Name,
                ["label"] = column.Label,
                ["method"] = a.Spec.Method,
                ["eps"] = a.Spec.Eps,
                ["step_size"] = a.Spec.StepSize,
                ["steps"] = a.Spec.Steps,
                ["random_start"] = a.Spec.RandomStart,
                ["images"] = a.Images,
                ["seconds"] = a.Seconds,
                ["paper_error_percent"] = e.Row.PaperAttacks?.ErrorPercent[index],
                ["targets"] = new JsonArray([.. a.Targets.Select(t => (JsonNode)new JsonObject
                {
                    ["row"] = t.Row,
                    ["white_box"] = t.Row == e.Row.Name,
                    ["clean_accuracy"] = t.CleanAccuracy,
                    ["adversarial_accuracy"] = t.AdversarialAccuracy,
                    ["error_percent"] = t.ErrorPercent,
                })]),
            });
        }
        return array;
    }

    private static AttackColumn Column(AttackResult a) => AttackColumns.Table5.Single(col => col.Name == a.Spec.Column);

    private static string Percent(double percent) => percent.ToString("F2", Inv) + "%";
}
