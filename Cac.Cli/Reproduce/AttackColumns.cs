using Cac.Adversarial;

namespace Cac.Cli.Reproduce;

/// <summary>One attack column of the paper's Table 5, at the paper's eps 8/255 and step 2/255.</summary>
/// <param name="Name">Its name in files and JSON, e.g. "pgd10".</param>
/// <param name="Label">Its header as the paper writes it, e.g. "PGD-10".</param>
/// <param name="Method">The attack.</param>
/// <param name="Steps">Iterations (FGSM: 1).</param>
/// <param name="Long">Whether it is the long attack (PGD-100) that a recipe may run on fewer images (<see cref="AttackPlan.LongAttackImages"/>).</param>
internal sealed record AttackColumn(string Name, string Label, AttackMethod Method, int Steps, bool Long = false)
{
    /// <summary>The attack's settings: eps 8/255, step 2/255, a uniform random start for PGD only (as `cac attack`'s defaults).</summary>
    public AttackOptions Options() =>
        new(AttackOptions.PaperEpsilon, AttackOptions.PaperStepSize, Steps, RandomStart: Method == AttackMethod.Pgd);
}

/// <summary>The attacks of the paper's Table 5.</summary>
internal static class AttackColumns
{
    /// <summary>FGSM, MI-FGSM (10 steps, momentum 1), PGD-10 and PGD-100, in the paper's column order.</summary>
    public static IReadOnlyList<AttackColumn> Table5 { get; } =
    [
        new("fgsm", "FGSM", AttackMethod.Fgsm, 1),
        new("mifgsm10", "MI-FGSM (10)", AttackMethod.MiFgsm, AttackOptions.PaperSteps),
        new("pgd10", "PGD-10", AttackMethod.Pgd, AttackOptions.PaperSteps),
        new("pgd100", "PGD-100", AttackMethod.Pgd, 100, Long: true),
    ];
}

/// <summary>How many test images a reproduced Table 5 attacks (the first ones of the test split).</summary>
/// <param name="Images">Images attacked by FGSM, MI-FGSM and PGD-10; null: the whole test split.</param>
/// <param name="LongAttackImages">Images attacked by PGD-100 (ten times the cost of PGD-10); null: the whole test split.</param>
internal sealed record AttackPlan(int? Images, int? LongAttackImages)
{
    /// <summary>The images <paramref name="column"/> attacks, at most <paramref name="limit"/> (the run's --limit) when given; null: all.</summary>
    public int? ImagesFor(AttackColumn column, int? limit)
    {
        int? planned = column.Long ? LongAttackImages : Images;
        return (planned, limit) switch
        {
            (int p, int l) => Math.Min(p, l),
            (int p, null) => p,
            _ => limit,
        };
    }

    /// <summary>The plan in words within <paramref name="limit"/>, e.g. "the first 1,000 test images (PGD-100: the first 200)".</summary>
    public string Describe(int? limit)
    {
        string Count(bool isLong) => ImagesFor(AttackColumns.Table5.First(c => c.Long == isLong), limit) is int n
            ? "the first " + n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "all";
        return $"{Count(false)} test images ({AttackColumns.Table5.First(c => c.Long).Label}: {Count(true)})";
    }
}
