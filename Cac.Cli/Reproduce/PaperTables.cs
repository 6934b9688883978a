namespace Cac.Cli.Reproduce;

/// <summary>One published result: MAdds per image in millions and top-1 error in percent (CIFAR-10 test set).</summary>
/// <param name="MaddsM">Multiply-adds per image, in millions.</param>
/// <param name="ErrorPercent">Top-1 test error, in percent.</param>
internal sealed record PaperResult(double MaddsM, double ErrorPercent);

/// <summary>One cell of the paper's Table 1: an architecture with one conv type.</summary>
/// <param name="Architecture">The paper's column, e.g. "ResNet-20".</param>
/// <param name="ConvType">The paper's row: "standard", "CAC", "OctConv" or "CAC-OctConv".</param>
/// <param name="Model">Our model name (`cac models`), e.g. "cac-resnet20".</param>
/// <param name="StandardModel">Our name of the same architecture with standard convolutions, e.g. "resnet20".</param>
/// <param name="Result">The paper's MAdds and error.</param>
internal sealed record PaperTable1Cell(string Architecture, string ConvType, string Model, string StandardModel, PaperResult Result);

/// <summary>One row of the paper's Table 6: CAC-ResNet-20 trained with the cost exponent lambda.</summary>
/// <param name="Lambda">The exponent of the cost-aware objective.</param>
/// <param name="ErrorPercent">Top-1 test error, in percent.</param>
/// <param name="MaddsReductionPercent">MAdds saved against the standard ResNet-20, in percent.</param>
internal sealed record PaperTable6Row(double Lambda, double ErrorPercent, double MaddsReductionPercent)
{
    /// <summary>The MAdds this reduction leaves of the standard ResNet-20's <see cref="PaperTables.ResNet20Madds"/>, in millions.</summary>
    public double MaddsM => PaperTables.ResNet20Madds * (1 - MaddsReductionPercent / 100);
}

/// <summary>One row of the paper's Table 5: an adversarially trained network's error on adversarial examples.</summary>
/// <param name="Architecture">The paper's row, e.g. "ResNet-20".</param>
/// <param name="ConvType">"standard" or "CAC".</param>
/// <param name="Model">Our model name (`cac models`), e.g. "cac-resnet20".</param>
/// <param name="ErrorPercent">Error on adversarial examples, in percent, one per attack in <see cref="AttackColumns.Table5"/> order (FGSM, MI-FGSM, PGD-10, PGD-100).</param>
internal sealed record PaperTable5Row(string Architecture, string ConvType, string Model, IReadOnlyList<double> ErrorPercent);

/// <summary>
/// The paper's CIFAR-10 results as data (Guo et al., "Content-Aware Convolutional Neural Networks", Neural Networks 2021):
/// Table 1 (four conv types on five architectures), Table 5 (adversarial robustness) and Table 6 (the lambda study). docs/design.md, "The paper's
/// experiments", has the same tables in prose and the recipes that produced them; Cac.Tests/Cli/ReproduceCommandTests.cs
/// checks that the two agree.
/// </summary>
internal static class PaperTables
{
    /// <summary>The standard ResNet-20's MAdds in the paper, in millions (Table 1); Table 6's reductions are against it.</summary>
    public const double ResNet20Madds = 40.93;

    private static readonly (string Name, string Suffix)[] Architectures =
        [("ResNet-20", "resnet20"), ("ResNet-32", "resnet32"), ("ResNet-56", "resnet56"), ("DenseNet-121", "densenet121-cifar"), ("ShuffleNetV2", "shufflenetv2-cifar")];

    private static readonly (string Name, string Prefix)[] ConvTypes = [("standard", ""), ("CAC", "cac-"), ("OctConv", "oct-"), ("CAC-OctConv", "cac-oct-")];

    // Table 1, MAdds (M) / error (%), by conv type (rows) and architecture (columns, as Architectures); null: not in the paper.
    private static readonly PaperResult?[][] Table1Values =
    [
        [new(40.93, 8.75), new(69.12, 7.51), new(126.08, 6.97), new(888.51, 4.78), new(45.04, 7.25)],
        [new(25.79, 8.37), new(46.58, 7.25), new(87.27, 6.51), new(733.82, 4.60), new(41.33, 7.13)],
        [new(26.33, 8.77), new(44.02, 8.07), new(61.72, 7.58), new(403.80, 5.52), null],
        [new(19.49, 8.60), new(34.39, 7.63), new(52.12, 6.99), new(356.63, 4.68), null],
    ];

    /// <summary>Table 1's 18 cells, by conv type (standard, CAC, OctConv, CAC-OctConv), each over ResNet-20/32/56, DenseNet-121, ShuffleNetV2.</summary>
    public static IReadOnlyList<PaperTable1Cell> Table1 { get; } =
        [.. ConvTypes.SelectMany((type, t) => Architectures.Select((arch, a) => (type, arch, value: Table1Values[t][a]))
            .Where(c => c.value is not null)
            .Select(c => new PaperTable1Cell(c.arch.Name, c.type.Name, c.type.Prefix + c.arch.Suffix, c.arch.Suffix, c.value!)))];

    /// <summary>Table 6: CAC-ResNet-20 with lambda 0.3, 0.5, 0.7 and 1.0.</summary>
    public static IReadOnlyList<PaperTable6Row> Table6 { get; } =
    [
        new(0.3, 8.37, 36.98),
        new(0.5, 9.92, 40.38),
        new(0.7, 10.07, 51.68),
        new(1.0, 11.81, 69.39),
    ];

    /// <summary>
    /// Table 5: ResNet-20 and ResNet-56, standard and CAC, adversarially trained (PGD-7, Madry et al.), error under FGSM,
    /// MI-FGSM (10 steps), PGD-10 and PGD-100 at eps 8/255, step 2/255.
    /// </summary>
    public static IReadOnlyList<PaperTable5Row> Table5 { get; } =
    [
        new("ResNet-20", "standard", "resnet20", [29.82, 54.89, 57.99, 65.41]),
        new("ResNet-20", "CAC", "cac-resnet20", [28.97, 53.67, 57.13, 64.74]),
        new("ResNet-56", "standard", "resnet56", [26.91, 51.91, 55.33, 64.81]),
        new("ResNet-56", "CAC", "cac-resnet56", [25.58, 51.03, 54.72, 63.75]),
    ];

    /// <summary>Table 1's cell of <paramref name="model"/> (our name), or null.</summary>
    public static PaperTable1Cell? Table1Cell(string model) => Table1.FirstOrDefault(c => c.Model == model);
}
