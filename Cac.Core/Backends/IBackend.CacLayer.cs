namespace Cac;

public partial interface IBackend
{
    /// <summary>
    /// The whole forward of a content-aware layer in one call: scoreMap (N, 1, Ho, Wo) = the score map G of x as
    /// <see cref="CacInputScore"/> with smoothing box <paramref name="smooth"/>; mask (N, 1, Ho, Wo) = 1 where
    /// gamma[0] * G + beta[0] &gt; 0 (computed as <see cref="ScaleShift"/> computes it; gamma and beta are one-element
    /// storages, so no host read is needed), else 0; y (N, Cout, Ho, Wo) as
    /// <see cref="CacSparseForward"/> at that partition (the standard convolution when every window is sharp). Returns
    /// the number of sharp windows. g is the conv's geometry. Overwrites scoreMap, mask and y. The default composes
    /// the kernels above; a backend may fuse them (the CPU scores, partitions and convolves one sample at a time).
    /// </summary>
    int CacLayerForward(Storage x, Storage w, Storage wPhi, Storage? bias, Storage gamma, Storage beta, Storage scoreMap,
        Storage mask, Storage y, ConvGeometry g, CacSamplePoint point, int smooth)
    {
        var sg = new ConvGeometry(g.N, 1, g.H, g.W, 1, g.KH, g.KW, g.StrideH, g.StrideW, g.PadH, g.PadW, g.DilationH, g.DilationW, 1);
        CacInputScore(x, g.Cin, scoreMap, sg, smooth);
        long total = (long)g.N * g.Ho * g.Wo;
        using var score = Allocate(x.DType, total);
        using var order = Allocate(DType.Int32, total);
        ScaleShift(scoreMap, score, gamma, beta);
        CacStep(score, mask);
        int sharp = CacPartition(score, total, order);
        if (sharp == total) Conv2dForward(x, w, bias, y, g);
        else CacSparseForward(x, w, wPhi, bias, order, sharp, y, g, point);
        return sharp;
    }
}
