namespace Cac;

/// <summary>Which pixel of a smooth window the cheap 1 x 1 convolution reads (docs/design.md 2.5).</summary>
public enum CacSamplePoint
{
    /// <summary>The window's centre pixel, as the paper: x[oh*s - p + d*(k/2), ow*s - p + d*(k/2)] (default).</summary>
    Centre,

    /// <summary>The window's top-left pixel, as the official code: x[oh*s - p, ow*s - p].</summary>
    TopLeft,
}

/// <summary>How a content-aware convolution is executed; both give the same results.</summary>
public enum CacPath
{
    /// <summary>Gathers only the sharp windows into the k x k GEMM and the smooth windows' sample pixels into the 1 x 1 GEMM (default, fast).</summary>
    Sparse,

    /// <summary>Both convolutions over every position, blended by the mask: the readable reference, slower than a plain conv.</summary>
    Dense,
}

/// <summary>
/// Which gradient the thresholds gamma and beta learn from (docs/design.md 2.7). The forward is the same hard mask
/// (sharp iff score &gt; 0) either way.
/// </summary>
public enum CacScoreGradient
{
    /// <summary>
    /// The official code's straight-through gate (default): d sharp / d score = sharp mask, d smooth / d score = -smooth
    /// mask. Runs on the sparse path.
    /// </summary>
    Gated,

    /// <summary>
    /// The sigmoid surrogate (<see cref="Ops.CacSigmoidGate"/>): d mask / d score = sigma'(score / T) / T for every window,
    /// sharp or smooth, so the thresholds learn what switching a window would change (y_sharp - y_smooth). That needs
    /// the other path's output at every window: on the sparse path the backward pass runs one more sparse forward with the
    /// partition turned around, (1 - rho) of a dense convolution.
    /// </summary>
    Sigmoid,
}

/// <summary>Geometry helpers shared by the CAC ops and kernels.</summary>
public static class CacGeometry
{
    /// <summary>
    /// Row and column offset, inside the window, of the pixel a smooth window samples: (d*(KH/2), d*(KW/2)) for
    /// <see cref="CacSamplePoint.Centre"/>, (0, 0) for <see cref="CacSamplePoint.TopLeft"/>. The pixel of output
    /// (oh, ow) is x[oh*s - p + offH, ow*s - p + offW] (zero when it falls in the padding).
    /// </summary>
    public static (int OffH, int OffW) SampleOffset(ConvGeometry geometry, CacSamplePoint point) =>
        point == CacSamplePoint.Centre ? (geometry.DilationH * (geometry.KH / 2), geometry.DilationW * (geometry.KW / 2)) : (0, 0);

    /// <summary>
    /// Side of the stride-1 box that smooths the Sobel map for kernels larger than 3 (the reference's
    /// avg_pool size d*(k-3)//s + 1); 1 (no smoothing) for k &lt;= 3.
    /// </summary>
    public static int SmoothSize(int kernel, int stride, int dilation) =>
        kernel > 3 ? dilation * (kernel - 3) / stride + 1 : 1;
}
