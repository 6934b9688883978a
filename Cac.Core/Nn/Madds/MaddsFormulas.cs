namespace Cac.Madds;

/// <summary>
/// Per-sample multiply-add counts of the layers, as the paper counts them (docs/design.md section 2, item 8):
/// a convolution costs Cin * Cout * k * k * Ho * Wo / groups, a linear layer in * out; normalisation,
/// activations and pooling are not counted.
/// </summary>
public static class MaddsFormulas
{
    /// <summary>Omega_conv = Cin * Cout * k * k * Ho * Wo / groups, for one sample.</summary>
    public static long Conv2d(int inChannels, int outChannels, int kernelSize, int outH, int outW, int groups = 1)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || outH < 0 || outW < 0 || groups <= 0)
            throw new ArgumentException($"MaddsFormulas.Conv2d: invalid geometry in={inChannels} out={outChannels} kernel={kernelSize} output=({outH}, {outW}) groups={groups}");
        return (long)inChannels / groups * outChannels * kernelSize * kernelSize * outH * outW;
    }

    /// <summary>in * out per input row: a sample of shape (rows, in) costs rows * in * out.</summary>
    public static long Linear(int inFeatures, int outFeatures, long rows = 1)
    {
        if (inFeatures <= 0 || outFeatures <= 0 || rows < 0)
            throw new ArgumentException($"MaddsFormulas.Linear: invalid geometry in={inFeatures} out={outFeatures} rows={rows}");
        return rows * inFeatures * outFeatures;
    }

    /// <summary>
    /// A content-aware convolution with sharp ratio <paramref name="sharpRatio"/> (rho, the mean of the hard mask):
    /// (rho + (1 - rho) / k^2) * Omega_conv + 13 * Ho * Wo (the last term: Sobel gradients and the score).
    /// </summary>
    public static double ContentAware(long omegaConv, double sharpRatio, int kernelSize, int outH, int outW)
    {
        if (!(sharpRatio >= 0 && sharpRatio <= 1))
            throw new ArgumentException($"MaddsFormulas.ContentAware: the sharp ratio must lie in [0, 1], got {sharpRatio}");
        if (omegaConv < 0 || kernelSize <= 0 || outH < 0 || outW < 0)
            throw new ArgumentException($"MaddsFormulas.ContentAware: invalid geometry omega={omegaConv} kernel={kernelSize} output=({outH}, {outW})");
        return (sharpRatio + (1 - sharpRatio) / ((double)kernelSize * kernelSize)) * omegaConv + 13.0 * outH * outW;
    }
}
