using System.Globalization;
using Cac.Cli.Devices;
using Cac.Data;

namespace Cac.Cli.Reproduce;

/// <summary>
/// The attack phase of `cac reproduce table5`, after its rows trained: every selected finished row is attacked with the
/// four Table 5 attacks (<see cref="AttackColumns.Table5"/>) and its examples are also classified by the other model of its
/// pair (resnet20 with cac-resnet20: the transfer attack that tells real robustness from masked gradients), through
/// <see cref="AttackStore"/> (saved per row, reused on a rerun).
/// </summary>
internal static class Table5Attacks
{
    /// <summary>The recipe's attacks, in column order; empty for a recipe that attacks nothing.</summary>
    public static IReadOnlyList<AttackSpec> Specs(Recipe recipe) =>
        recipe.Attacks is null ? [] : [.. AttackColumns.Table5.Select(c => AttackStore.Spec(c, recipe))];

    /// <summary>The finished rows of <paramref name="entries"/> with the other model of their pair (<see cref="ReproduceTable.Partner"/>), when it finished too.</summary>
    public static IReadOnlyList<ReproduceEntry> TransferTargets(ReproduceEntry source, IReadOnlyList<ReproduceEntry> entries) =>
        [.. entries.Where(e => e.Result is not null && e.Row.Model == ReproduceTable.Partner(source.Row.Model))];

    /// <summary>Every finished row of <paramref name="entries"/> with the attacks saved for it (<see cref="AttackStore.Saved"/>).</summary>
    public static void LoadSaved(List<ReproduceEntry> entries, Recipe recipe)
    {
        var specs = Specs(recipe);
        if (specs.Count == 0) return;
        for (int i = 0; i < entries.Count; i++)
            if (entries[i].Result is not null)
                entries[i] = entries[i] with { Attacks = AttackStore.Saved(entries[i], specs, [entries[i], .. TransferTargets(entries[i], entries)]) };
    }

    /// <summary>
    /// Attacks every selected finished row of <paramref name="entries"/> (updated in place), one progress line per attack;
    /// <paramref name="afterRow"/> runs after each row (the report is written there).
    /// </summary>
    public static void Run(List<ReproduceEntry> entries, Recipe recipe, string? dataDir, string device, TextWriter progress, string prefix, Action afterRow)
    {
        var specs = Specs(recipe);
        var sources = entries.Where(e => e.Selected && e.Result is not null).ToList();
        if (specs.Count == 0 || sources.Count == 0) return;
        var test = DatasetCatalog.Load(recipe.Dataset, dataDir, train: false);
        var opened = DeviceSelection.Open(device);
        foreach (var source in sources)
        {
            var transfer = TransferTargets(source, entries);
            var paper = source.Row.PaperAttacks;
            var results = AttackStore.Run(source, transfer, specs, test, opened, (spec, result, reused) =>
            {
                int column = specs.ToList().IndexOf(spec);
                var own = result.Targets[0];
                string transferText = string.Concat(result.Targets.Skip(1).Select(t => string.Create(CultureInfo.InvariantCulture,
                    $", transferred to {t.Row} {t.ErrorPercent:F2}%")));
                string paperText = paper is null ? "" : string.Create(CultureInfo.InvariantCulture, $" (paper {paper.ErrorPercent[column]:F2}%)");
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{prefix}: {source.Row.Name} under {AttackColumns.Table5[column].Label} on {result.Images} image(s): error {own.ErrorPercent:F2}%{paperText}" +
                    $"{transferText}; {(reused ? "reused" : $"{result.Seconds:F1} s")}"));
            });
            entries[entries.IndexOf(source)] = source with { Attacks = results };
            afterRow();
        }
    }
}
