using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cac.Cli.Devices;
using Cac.Cli.Reproduce;
using Cac.Data;
using Cac.IO;
using Spectre.Console;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac reproduce table1|table5|table6`: trains and evaluates every row of one of the paper's CIFAR-10 tables with `cac train`
/// (one directory per row under DIR/rows), then writes DIR/report.md and DIR/report.json with our numbers beside the
/// paper's. Finished rows are reused, a half-done row continues where it stopped (Cac.Cli/Reproduce/RowStore.cs).
/// Table 5's rows train adversarially and are then attacked (Cac.Cli/Reproduce/Table5Attacks.cs), the attacks also reused.
/// `cac reproduce table3` (segmentation) goes to <see cref="SegmentationReproduction"/>.
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var table = new Argument<string>("table") { Description = $"The paper's table: {string.Join(", ", ReproduceTable.Names)}, or {SegmentationReproduction.Table} (segmentation; --scale small or paper)" };
        var scale = new Option<string>("--scale")
        {
            Description = "quick: the claim in minutes (Fashion-MNIST, 1 epoch, cosine lr; table1: the ResNet-20 pair only, about 5 min); " +
                          "small: a miniature for a 2-core CPU (Fashion-MNIST padded to 32 x 32, 10,000 training images, 10 epochs, ResNet-20 rows; about 16-20 min for table1, 25 for table6; " +
                          "table5: Fashion-MNIST 28 x 28, 8,000 images, 10 epochs of PGD-7 training, attacks on 2,000 test images, PGD-100 on 500, about 30 min); " +
                          "paper: the paper's recipe exactly (CIFAR-10, 400 epochs, every row; table5: 200 epochs of PGD-7 training, attacks on the whole test set)",
            DefaultValueFactory = _ => "small",
        };
        scale.AcceptOnlyFromAmong([.. Recipe.Scales]);
        var dataset = new Option<string?>("--dataset") { Description = "Train on this dataset instead of the scale's (fashion-mnist for small, cifar10 for paper)" };
        var data = new Option<string?>("--data") { Description = "Directory holding the dataset files (default: /usr/share/datasets/<dataset>)" };
        var device = DeviceSelection.CreateOption();
        var cpuKernels = CpuKernelsOption.Create();
        var output = new Option<string?>("--out") { Description = "Directory of the reproduction (default: runs/reproduce-<table>-<scale>)" };
        var models = new Option<string?>("--models") { Description = "Train only these rows, comma-separated (table1 and table5: model names such as cac-resnet32; table6: resnet20, cac-resnet20-lambda0.5, ...)" };
        var limit = new Option<int?>("--limit") { Description = "Use only the first N training and test images (replaces the scale's; quick runs)" };
        var epochs = new Option<int?>("--epochs") { Description = "Train this many epochs (replaces the scale's; the lr drops stay at 40% and 60% of them)" };
        var seed = new Option<int?>("--seed") { Description = "Random seed of every row (initialisation, shuffling; replaces the scale's 0)" };
        var json = new Option<bool>("--json") { Description = "Print report.json on stdout (the training's output goes to stderr)" };

        var command = new Command("reproduce", "Train and evaluate every row of one of the paper's tables and compare with the paper's numbers")
        {
            table, scale, dataset, data, device, cpuKernels, output, models, limit, epochs, seed, json,
        };
        command.SetAction(parse => Run(SettingsFrom(parse)));
        return command;
    }

    /// <summary>The settings of a parsed `cac reproduce` command line.</summary>
    internal static ReproduceSettings SettingsFrom(ParseResult parse) => new(
        Table: parse.GetValue<string>("table")!,
        Scale: parse.GetValue<string>("--scale")!,
        Dataset: parse.GetValue<string?>("--dataset"),
        DataDir: parse.GetValue<string?>("--data"),
        Device: parse.GetValue<string>("--device")!,
        CpuKernels: parse.GetValue<string>(CpuKernelsOption.Name)!,
        OutDir: parse.GetValue<string?>("--out"),
        Models: parse.GetValue<string?>("--models"),
        Limit: parse.GetValue<int?>("--limit"),
        Epochs: parse.GetValue<int?>("--epochs"),
        Seed: parse.GetValue<int?>("--seed"),
        Json: parse.GetValue<bool>("--json"));

    /// <summary>The options of `cac reproduce`; null ones take the scale's value.</summary>
    internal sealed record ReproduceSettings(string Table, string Scale = "small", string? Dataset = null, string? DataDir = null, string Device = "auto",
        string CpuKernels = "fast", string? OutDir = null, string? Models = null, int? Limit = null, int? Epochs = null, int? Seed = null, bool Json = false)
    {
        /// <summary>The table's recipe at the scale (<see cref="Reproduce.Recipe.For"/>) with --dataset, --limit, --epochs and --seed applied.</summary>
        /// <exception cref="ArgumentException">An unknown scale or dataset, table5 at quick scale, or a limit or epoch count below 1.</exception>
        public Recipe Recipe()
        {
            var recipe = Reproduce.Recipe.For(Table, Scale);
            if (Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {Limit}");
            if (Epochs is < 1) throw new ArgumentException($"--epochs must be at least 1, got {Epochs}");
            if (Dataset is not null) DatasetCatalog.Info(Dataset).RefuseImageFolder("reproduce");
            return recipe with
            {
                Dataset = Dataset ?? recipe.Dataset,
                Limit = Limit ?? recipe.Limit,
                Epochs = Epochs ?? recipe.Epochs,
                Seed = Seed ?? recipe.Seed,
            };
        }

        /// <summary>The reproduction's directory.</summary>
        public string Directory() => OutDir ?? Path.Combine("runs", $"reproduce-{Table.ToLowerInvariant()}-{Scale.ToLowerInvariant()}");

        /// <summary>The row names of --models; null when it was left out.</summary>
        public IReadOnlyList<string>? ModelList() =>
            Models?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Runs the reproduction; progress (one line per row start and finish) goes to <paramref name="progress"/> (default: stderr).</summary>
    internal static int Run(ReproduceSettings s, TextWriter? progress = null)
    {
        progress ??= Console.Error;
        string table = s.Table.ToLowerInvariant();
        if (table == SegmentationReproduction.Table) return SegmentationReproduction.Run(s, progress);
        var rows = ReproduceTable.Rows(table);
        var recipe = s.Recipe();
        var selected = ReproduceTable.Selected(table, rows, recipe.Scale, s.ModelList(), recipe.Dataset);
        CheckData(recipe.Dataset, s.DataDir);
        string outDir = s.Directory();
        var entries = rows.Select(r => new ReproduceEntry(r, recipe.SettingsFor(r.Model, r.Lambda, Path.Combine(outDir, ReproduceReport.RowsFolder, r.Name), s.DataDir, s.Device, s.CpuKernels),
            selected.Contains(r), null)).ToList();
        for (int i = 0; i < entries.Count; i++)
            entries[i] = entries[i] with { Result = RowStore.Finished(entries[i].Settings) };
        Table5Attacks.LoadSaved(entries, recipe);
        foreach (var e in entries.Where(e => e.Selected))
        {
            e.Settings.Validate();
            RowStore.Verify(e.Row.Name, e.Settings); // a conflicting directory fails now, before hours of other rows
        }
        var context = new ReproduceReport.Context(table, recipe, outDir, s.Device, s.CpuKernels);
        System.IO.Directory.CreateDirectory(outDir);

        var clock = Stopwatch.StartNew();
        string prefix = $"reproduce {table} ({recipe.Scale})";
        progress.WriteLine($"{prefix}: {selected.Count} row(s) into {outDir}: {recipe.Describe()}");
        using (s.Json ? new StdoutToStderr() : null)
        {
            int n = 0;
            foreach (var e in entries.Where(e => e.Selected).ToList())
            {
                n++;
                progress.WriteLine($"{prefix}: row {n}/{selected.Count} {e.Row.Name}: start [{Elapsed(clock)} elapsed]");
                var rowClock = Stopwatch.StartNew();
                var (result, outcome) = RowStore.Run(e.Row.Name, e.Settings);
                int index = entries.IndexOf(e);
                entries[index] = e with { Result = result };
                // Table 5 gives no clean error or MAdds for its adversarially trained networks: ours stand alone.
                bool paperClean = e.Row.PaperAttacks is null;
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{prefix}: row {n}/{selected.Count} {e.Row.Name}: {outcome.ToString().ToLowerInvariant()} in {rowClock.Elapsed.TotalSeconds:F1} s: " +
                    $"accuracy {100 * result.TestAccuracy:F2}% (error {result.ErrorPercent:F2}%{(paperClean ? $", paper {e.Row.Paper.ErrorPercent:F2}%" : "")}), " +
                    $"MAdds {result.Madds / 1e6:F2}M = {100 * result.Ratio:F1}% of standard{(paperClean ? $" (paper {100 * e.Row.PaperRatio:F1}%)" : "")} [{Elapsed(clock)} elapsed]"));
                Write(context, entries); // after every row: the report shows what is done so far
            }
            Table5Attacks.Run(entries, recipe, s.DataDir, s.Device, progress, prefix, () => Write(context, entries));
        }
        Write(context, entries);
        if (table == "table1")
            foreach (var verdict in ClaimCheck.Verdicts(entries)) progress.WriteLine($"{prefix}: {verdict.Describe()}");
        if (s.Json) Console.Out.WriteLine(ReproduceReport.Json(context, entries));
        else Console.Out.WriteLine($"wrote {Path.Combine(outDir, ReproduceReport.MarkdownFile)} and {Path.Combine(outDir, ReproduceReport.JsonFile)}");
        return 0;
    }

    private static void Write(ReproduceReport.Context context, IReadOnlyList<ReproduceEntry> entries)
    {
        AtomicFile.WriteAllText(Path.Combine(context.OutDir, ReproduceReport.MarkdownFile), ReproduceReport.Markdown(context, entries));
        AtomicFile.WriteAllText(Path.Combine(context.OutDir, ReproduceReport.JsonFile), ReproduceReport.Json(context, entries));
    }

    private static string Elapsed(Stopwatch clock) => clock.Elapsed.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);

    // The dataset must be there before any row starts; CIFAR-10 missing (the paper scale's) says how to get it.
    private static void CheckData(string dataset, string? dataDir)
    {
        try
        {
            if (dataset.StartsWith("cifar", StringComparison.OrdinalIgnoreCase))
            {
                DatasetCatalog.LocateCifar(dataset, dataDir, train: true);
                DatasetCatalog.LocateCifar(dataset, dataDir, train: false);
            }
            else
            {
                DatasetCatalog.Locate(dataset, dataDir, train: true);
                DatasetCatalog.Locate(dataset, dataDir, train: false);
            }
        }
        catch (DatasetNotFoundException e)
        {
            string looked = e.Searched.Count > 0 ? string.Join(", ", e.Searched) : "nowhere (no --data and no system root)";
            throw new ArgumentException($"reproduce: dataset '{e.DatasetName}' not found (looked in {looked}); " +
                                        $"run `cac download {e.DatasetName} --data DIR` and pass --data DIR", e);
        }
    }

    // --json: stdout carries the JSON alone; what the rows' training prints goes to stderr meanwhile.
    private sealed class StdoutToStderr : IDisposable
    {
        private readonly TextWriter _out = Console.Out;
        private readonly IAnsiConsole _ansi = AnsiConsole.Console;

        public StdoutToStderr()
        {
            Console.SetOut(Console.Error);
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        }

        public void Dispose()
        {
            Console.SetOut(_out);
            AnsiConsole.Console = _ansi;
        }
    }
}
