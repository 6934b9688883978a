using System.Globalization;
using Cac.Data;
using Cac.Models;

namespace Cac.Cli.Reproduce;

/// <summary>One row of a reproduced table: what to train and what the paper reports for it.</summary>
/// <param name="Name">The row's name: its directory under rows/ and its name for --models (e.g. "cac-resnet20", "cac-resnet20-lambda0.5").</param>
/// <param name="Label">The row as the paper labels it, e.g. "ResNet-20, CAC" or "lambda 0.5".</param>
/// <param name="Model">Our model name (`cac models`).</param>
/// <param name="Lambda">The cost exponent it trains with.</param>
/// <param name="Paper">The paper's MAdds and error (Table 5's rows: Table 1's cell of the model, trained without attacks; Table 5 reports neither).</param>
/// <param name="PaperStandardMaddsM">The paper's MAdds of the same architecture with standard convolutions, in millions.</param>
/// <param name="Small">Whether `--scale small` trains it by default (the others run with --models).</param>
/// <param name="Quick">Whether `--scale quick` trains it by default.</param>
/// <param name="PaperAttacks">Table 5's rows: the paper's errors under its four attacks; null for the other tables.</param>
internal sealed record ReproduceRow(string Name, string Label, string Model, double Lambda, PaperResult Paper, double PaperStandardMaddsM, bool Small,
    bool Quick, PaperTable5Row? PaperAttacks = null)
{
    /// <summary>Whether a run at <paramref name="scale"/> trains this row by default: every row at paper scale.</summary>
    public bool RunsByDefaultAt(string scale) => scale switch
    {
        "quick" => Quick,
        "small" => Small,
        _ => true,
    };

    /// <summary>Whether our model registry builds <see cref="Model"/>.</summary>
    public bool Buildable => ModelRegistry.Names.Contains(Model);

    /// <summary>
    /// What the input sides must be a multiple of: an octave model halves its low-frequency maps once more than its stages
    /// do, so its CIFAR ResNets need 8 (their last stage runs at 1/4 of the input, its low part at 1/8) and its CIFAR
    /// DenseNet-121 16 (last block at 1/8, low part at 1/16); 1 for the other models.
    /// </summary>
    public int SideMultiple
    {
        get
        {
            var info = ModelRegistry.Info(Model);
            if (!new ConvFactory(info.ConvType).IsOctave) return 1;
            return info.Family == "densenet" ? 16 : 8;
        }
    }

    /// <summary>
    /// Whether the model runs on inputs of <paramref name="height"/> x <paramref name="width"/> (<see cref="SideMultiple"/>:
    /// 32 suits every row; Fashion-MNIST's 28 does not suit the octave ones, whose OctaveConv2d refuses odd maps).
    /// </summary>
    public bool RunsOn(int height, int width) => height % SideMultiple == 0 && width % SideMultiple == 0;

    /// <summary>The paper's MAdds over its standard model's, e.g. 0.63 for CAC-ResNet-20.</summary>
    public double PaperRatio => Paper.MaddsM / PaperStandardMaddsM;
}

/// <summary>The tables `cac reproduce` knows: their rows, built from <see cref="PaperTables"/>.</summary>
internal static class ReproduceTable
{
    /// <summary>The table names, as the command's argument takes them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["table1", "table5", "table6"];

    /// <summary>Table 1 at small scale: the ResNet-20 column, all four conv types.</summary>
    private static readonly string[] Table1Small = ["resnet20", "cac-resnet20", "oct-resnet20", "cac-oct-resnet20"];

    /// <summary>Table 1 at quick scale: the paper's headline pair.</summary>
    private static readonly string[] Table1Quick = ["resnet20", "cac-resnet20"];

    /// <summary>The other model of a standard/CAC pair: "cac-resnet20" for "resnet20" and the reverse.</summary>
    public static string Partner(string model) => model.StartsWith(CacPrefix, StringComparison.Ordinal) ? model[CacPrefix.Length..] : CacPrefix + model;

    private const string CacPrefix = "cac-";

    /// <summary>The rows of <paramref name="table"/> ("table1", "table5" or "table6").</summary>
    /// <exception cref="ArgumentException">An unknown table (one line listing the tables).</exception>
    public static IReadOnlyList<ReproduceRow> Rows(string table) => table.ToLowerInvariant() switch
    {
        "table1" => Table1(),
        "table5" => Table5(),
        "table6" => Table6(),
        _ => throw new ArgumentException($"unknown table '{table}'; tables: {string.Join(", ", Names)}"),
    };

    private static List<ReproduceRow> Table1() => PaperTables.Table1.Select(c => new ReproduceRow(
        c.Model, $"{c.Architecture}, {c.ConvType}", c.Model, Recipe.Paper.Lambda, c.Result,
        PaperTables.Table1Cell(c.StandardModel)!.Result.MaddsM, Table1Small.Contains(c.Model), Table1Quick.Contains(c.Model))).ToList();

    // Adversarially trained: the ResNet-20 pair at every scale, the ResNet-56 pair at paper scale (or with --models).
    private static List<ReproduceRow> Table5() => PaperTables.Table5.Select(r =>
    {
        var cell = PaperTables.Table1Cell(r.Model)!;
        bool resnet20 = r.Architecture == "ResNet-20";
        return new ReproduceRow(r.Model, $"{r.Architecture}, {r.ConvType}", r.Model, Recipe.Table5Paper.Lambda, cell.Result,
            PaperTables.Table1Cell(cell.StandardModel)!.Result.MaddsM, Small: resnet20, Quick: false, PaperAttacks: r);
    }).ToList();

    // The standard ResNet-20 first (the reduction's reference), then CAC-ResNet-20 at each lambda.
    private static List<ReproduceRow> Table6()
    {
        var standard = PaperTables.Table1Cell("resnet20")!;
        var rows = new List<ReproduceRow> { new("resnet20", "ResNet-20, standard (Table 1)", "resnet20", Recipe.Paper.Lambda, standard.Result, standard.Result.MaddsM, true, true) };
        rows.AddRange(PaperTables.Table6.Select(r => new ReproduceRow(
            string.Create(CultureInfo.InvariantCulture, $"cac-resnet20-lambda{r.Lambda:0.0#}"), string.Create(CultureInfo.InvariantCulture, $"CAC-ResNet-20, lambda {r.Lambda:0.0#}"),
            "cac-resnet20", r.Lambda, new PaperResult(r.MaddsM, r.ErrorPercent), PaperTables.ResNet20Madds, true, true)));
        return rows;
    }

    /// <summary>
    /// The rows to train: with <paramref name="models"/> (row names), those rows in the table's order; otherwise every buildable
    /// row that runs by default at <paramref name="scale"/> (<see cref="ReproduceRow.RunsByDefaultAt"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A name that is no row of the table, or a row whose model we do not build (one line).</exception>
    public static IReadOnlyList<ReproduceRow> Selected(string table, IReadOnlyList<ReproduceRow> rows, string scale, IReadOnlyList<string>? models,
        string dataset)
    {
        var shape = DatasetCatalog.Info(dataset).ImageShape;
        if (models is null or { Count: 0 })
            return rows.Where(r => r.Buildable && r.RunsOn(shape.Height, shape.Width) && r.RunsByDefaultAt(scale)).ToList();
        foreach (var name in models)
        {
            var row = rows.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"--models: '{name}' is no row of {table}; its rows: {string.Join(", ", rows.Select(r => r.Name))}");
            if (!row.Buildable) throw new ArgumentException($"--models: row '{row.Name}' ({row.Label}) has no model in our registry (`cac models` lists them)");
            if (!row.RunsOn(shape.Height, shape.Width))
                throw new ArgumentException($"--models: row '{row.Name}' is an octave model, which needs inputs whose sides divide by {row.SideMultiple}; {dataset}'s are {shape.Height} x {shape.Width} (use --dataset fashion-mnist-32, Fashion-MNIST padded to 32 x 32, or cifar10)");
        }
        return rows.Where(r => models.Contains(r.Name, StringComparer.OrdinalIgnoreCase)).ToList();
    }
}
