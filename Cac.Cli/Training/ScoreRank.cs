namespace Cac.Cli.Training;

/// <summary>Where the true class ranks among a sample's class scores: top-1 and top-k hits of `cac eval` and `cac train`.</summary>
internal static class ScoreRank
{
    /// <summary>The k of the top-k accuracy reported beside top-1 (the paper's ImageNet table gives top-1 and top-5 error).</summary>
    public const int TopK = 5;

    /// <summary>
    /// The 0-based rank of class <paramref name="label"/> in a row of scores: the classes scored higher, plus those scored
    /// equal with a lower index (the tie-break of a first-maximum argmax, so a top-1 hit is always a top-k hit).
    /// </summary>
    public static int Of(ReadOnlySpan<float> row, int label)
    {
        int rank = 0;
        for (int j = 0; j < row.Length; j++)
            if (row[j] > row[label] || (row[j] == row[label] && j < label)) rank++;
        return rank;
    }
}
