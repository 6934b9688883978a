using System.Globalization;

namespace Cac.Cli.Reproduce;

/// <summary>
/// The paper's claim for one content-aware row of Table 1, checked on our numbers: the CAC model costs at most
/// <see cref="ClaimCheck.MaxMaddsRatio"/> of the MAdds of its counterpart without CAC (cac-resnet20 against resnet20,
/// cac-oct-resnet20 against oct-resnet20) and loses at most <see cref="ClaimCheck.MaxAccuracyLossPoints"/> of its accuracy
/// (the paper's own rows lose none: CAC-ResNet-20 costs 63% of ResNet-20 at 0.38 points less error).
/// </summary>
/// <param name="Model">The content-aware row's model, e.g. "cac-resnet20".</param>
/// <param name="Counterpart">The same model without CAC, e.g. "resnet20".</param>
/// <param name="MaddsRatio">Our CAC model's MAdds over the counterpart's.</param>
/// <param name="AccuracyLossPoints">The counterpart's test accuracy minus the CAC model's, in points (negative: CAC is better).</param>
internal sealed record ClaimVerdict(string Model, string Counterpart, double MaddsRatio, double AccuracyLossPoints)
{
    /// <summary>Whether both bounds hold.</summary>
    public bool Holds => MaddsRatio <= ClaimCheck.MaxMaddsRatio && AccuracyLossPoints <= ClaimCheck.MaxAccuracyLossPoints;

    /// <summary>One sentence, e.g. "cac-resnet20: 78.4% of resnet20's MAdds, 0.97 points less accuracy: the claim holds".</summary>
    public string Describe()
    {
        string accuracy = AccuracyLossPoints >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"{AccuracyLossPoints:F2} points less accuracy")
            : string.Create(CultureInfo.InvariantCulture, $"{-AccuracyLossPoints:F2} points more accuracy");
        return string.Create(CultureInfo.InvariantCulture,
            $"{Model}: {100 * MaddsRatio:F1}% of {Counterpart}'s MAdds, {accuracy}: the claim {(Holds ? "holds" : "does not hold")} " +
            $"(<= {100 * ClaimCheck.MaxMaddsRatio:F0}% of the MAdds within {ClaimCheck.MaxAccuracyLossPoints:F1} point)");
    }
}

/// <summary>Checks the paper's claim (fewer MAdds at the same accuracy) on the finished pairs of a reproduced Table 1.</summary>
internal static class ClaimCheck
{
    /// <summary>The largest MAdds ratio that counts as a saving worth the name.</summary>
    public const double MaxMaddsRatio = 0.80;

    /// <summary>The largest accuracy loss, in points, that counts as "the same accuracy" at small scale.</summary>
    public const double MaxAccuracyLossPoints = 1.0;

    /// <summary>A verdict for every finished content-aware row whose counterpart also finished, in table order.</summary>
    public static IReadOnlyList<ClaimVerdict> Verdicts(IReadOnlyList<ReproduceEntry> entries)
    {
        var verdicts = new List<ClaimVerdict>();
        foreach (var e in entries)
        {
            if (e.Result is not { } cac || !e.Row.Model.StartsWith("cac-", StringComparison.Ordinal)) continue;
            string counterpart = ReproduceTable.Partner(e.Row.Model);
            if (entries.FirstOrDefault(o => o.Row.Model == counterpart)?.Result is not { } plain) continue;
            verdicts.Add(new ClaimVerdict(e.Row.Model, counterpart, (double)cac.Madds / plain.Madds, 100 * (plain.TestAccuracy - cac.TestAccuracy)));
        }
        return verdicts;
    }
}
