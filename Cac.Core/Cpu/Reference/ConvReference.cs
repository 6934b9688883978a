using System.Numerics;

namespace Cac;

/// <summary>
/// The reference 2-D convolution: its definition written as plain loops, forward and both gradients, for float and
/// double. No SIMD, no threading, no blocking, no im2col: the code to read first, what
/// <see cref="CpuKernelChoice.Reference"/> runs, and what the tests check every fast path against.
/// <para>
/// Shapes (<see cref="ConvGeometry"/>, Cac.Core/Backends/Geometry.cs), row-major:
/// x (N, Cin, H, W), w (Cout, Cin/G, KH, KW), bias (Cout), y (N, Cout, Ho, Wo), G = groups.
/// Output channel co belongs to group gr = co / (Cout/G) and sees the input channels gr * Cin/G + ci, ci in [0, Cin/G).
/// Tap (kh, kw) of output pixel (oh, ow) reads input pixel
/// (ih, iw) = (oh * strideH - padH + kh * dilationH, ow * strideW - padW + kw * dilationW), zero outside the image:
/// </para>
/// <code>
/// y[n, co, oh, ow] = bias[co] + sum over ci, kh, kw of w[co, ci, kh, kw] * x[n, gr * Cin/G + ci, ih, iw]
/// </code>
/// The gradients are the adjoints of that sum: each term w * x sends gy * x to gw and gy * w to gx.
/// </summary>
public static class ConvReference
{
    /// <summary>
    /// y = conv(x, w) + bias. x: (N, Cin, H, W), w: (Cout, Cin/G, KH, KW), bias: (Cout) or null, y: (N, Cout, Ho, Wo),
    /// overwritten.
    /// </summary>
    public static void Forward<T>(T[] x, T[] w, T[]? bias, T[] y, ConvGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < geometry.N; n++)
            for (int co = 0; co < geometry.Cout; co++)
                for (int oh = 0; oh < geometry.Ho; oh++)
                    for (int ow = 0; ow < geometry.Wo; ow++)
                    {
                        T b = bias is null ? T.Zero : bias[co];
                        y[OutputIndex(geometry, n, co, oh, ow)] = b + Window(x, w, geometry, n, co, oh, ow);
                    }
    }

    /// <summary>
    /// gx = dL/dx from gy = dL/dy. gy: (N, Cout, Ho, Wo), w: (Cout, Cin/G, KH, KW), gx: (N, Cin, H, W), overwritten.
    /// </summary>
    public static void BackwardInput<T>(T[] gy, T[] w, T[] gx, ConvGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Array.Clear(gx, 0, geometry.N * geometry.Cin * geometry.H * geometry.W);
        for (int n = 0; n < geometry.N; n++)
            for (int co = 0; co < geometry.Cout; co++)
                for (int oh = 0; oh < geometry.Ho; oh++)
                    for (int ow = 0; ow < geometry.Wo; ow++)
                        WindowBackward(x: null, w, gy[OutputIndex(geometry, n, co, oh, ow)], gx, gw: null, geometry, n, co, oh, ow);
    }

    /// <summary>
    /// gw = dL/dw from gy = dL/dy, summed over the batch. x: (N, Cin, H, W), gy: (N, Cout, Ho, Wo),
    /// gw: (Cout, Cin/G, KH, KW), overwritten.
    /// </summary>
    public static void BackwardWeight<T>(T[] x, T[] gy, T[] gw, ConvGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Array.Clear(gw, 0, geometry.Cout * geometry.PatchSize);
        for (int n = 0; n < geometry.N; n++)
            for (int co = 0; co < geometry.Cout; co++)
                for (int oh = 0; oh < geometry.Ho; oh++)
                    for (int ow = 0; ow < geometry.Wo; ow++)
                        WindowBackward(x, w: null, gy[OutputIndex(geometry, n, co, oh, ow)], gx: null, gw, geometry, n, co, oh, ow);
    }

    /// <summary>
    /// y = act((conv(x, w) + bias) * scale + shift + residual), the contract of CpuBackend.Conv2dForwardFused: the
    /// reference convolution, then the per-channel affine epilogue as a plain loop. scale, shift: (Cout) or null (1, 0);
    /// residual: (N, Cout, Ho, Wo) or null; act = ReLU when <paramref name="relu"/>, else the identity.
    /// </summary>
    public static void ForwardAffine<T>(T[] x, T[] w, T[]? bias, T[]? scale, T[]? shift, T[]? residual, bool relu, T[] y,
        ConvGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Forward(x, w, bias, y, geometry);
        for (int n = 0; n < geometry.N; n++)
            for (int co = 0; co < geometry.Cout; co++)
                for (int oh = 0; oh < geometry.Ho; oh++)
                    for (int ow = 0; ow < geometry.Wo; ow++)
                    {
                        int i = OutputIndex(geometry, n, co, oh, ow);
                        T v = y[i];
                        if (scale is not null) v *= scale[co];
                        if (shift is not null) v += shift[co];
                        if (residual is not null) v += residual[i];
                        y[i] = relu ? T.Max(v, T.Zero) : v;
                    }
    }

    /// <summary>
    /// The window sum of one output pixel without bias: sum over ci, kh, kw of w[co, ci, kh, kw] * x[n, gr * Cin/G + ci, ih, iw]
    /// (taps in the padding skipped). What the CAC reference runs at a sharp window (<see cref="CacLayerReference"/>).
    /// </summary>
    internal static T Window<T>(T[] x, T[] w, ConvGeometry geometry, int n, int co, int oh, int ow) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        int group = co / geometry.CoutPerGroup;
        for (int ci = 0; ci < geometry.CinPerGroup; ci++)
            for (int kh = 0; kh < geometry.KH; kh++)
                for (int kw = 0; kw < geometry.KW; kw++)
                {
                    int ih = oh * geometry.StrideH - geometry.PadH + kh * geometry.DilationH;
                    int iw = ow * geometry.StrideW - geometry.PadW + kw * geometry.DilationW;
                    if (!Inside(geometry, ih, iw)) continue;
                    int c = group * geometry.CinPerGroup + ci;
                    sum += w[WeightIndex(geometry, co, ci, kh, kw)] * x[InputIndex(geometry, n, c, ih, iw)];
                }
        return sum;
    }

    /// <summary>
    /// The adjoint of <see cref="Window{T}"/> for one output pixel with gradient <paramref name="gyValue"/>:
    /// gx[n, c, ih, iw] += gyValue * w[co, ci, kh, kw] (when gx is given) and gw[co, ci, kh, kw] += gyValue * x[n, c, ih, iw]
    /// (when gw is given), over the same taps. Accumulates.
    /// </summary>
    internal static void WindowBackward<T>(T[]? x, T[]? w, T gyValue, T[]? gx, T[]? gw, ConvGeometry geometry, int n, int co, int oh, int ow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int group = co / geometry.CoutPerGroup;
        for (int ci = 0; ci < geometry.CinPerGroup; ci++)
            for (int kh = 0; kh < geometry.KH; kh++)
                for (int kw = 0; kw < geometry.KW; kw++)
                {
                    int ih = oh * geometry.StrideH - geometry.PadH + kh * geometry.DilationH;
                    int iw = ow * geometry.StrideW - geometry.PadW + kw * geometry.DilationW;
                    if (!Inside(geometry, ih, iw)) continue;
                    int c = group * geometry.CinPerGroup + ci;
                    if (gx is not null) gx[InputIndex(geometry, n, c, ih, iw)] += gyValue * w![WeightIndex(geometry, co, ci, kh, kw)];
                    if (gw is not null) gw[WeightIndex(geometry, co, ci, kh, kw)] += gyValue * x![InputIndex(geometry, n, c, ih, iw)];
                }
    }

    /// <summary>Whether input pixel (ih, iw) lies in the image (outside it is the zero padding).</summary>
    internal static bool Inside(ConvGeometry geometry, int ih, int iw) => ih >= 0 && ih < geometry.H && iw >= 0 && iw < geometry.W;

    /// <summary>Flat index of x[n, c, ih, iw] in x (N, Cin, H, W).</summary>
    internal static int InputIndex(ConvGeometry geometry, int n, int c, int ih, int iw) => ((n * geometry.Cin + c) * geometry.H + ih) * geometry.W + iw;

    /// <summary>Flat index of w[co, ci, kh, kw] in w (Cout, Cin/G, KH, KW).</summary>
    internal static int WeightIndex(ConvGeometry geometry, int co, int ci, int kh, int kw) => ((co * geometry.CinPerGroup + ci) * geometry.KH + kh) * geometry.KW + kw;

    /// <summary>Flat index of y[n, co, oh, ow] in y (N, Cout, Ho, Wo).</summary>
    internal static int OutputIndex(ConvGeometry geometry, int n, int co, int oh, int ow) => ((n * geometry.Cout + co) * geometry.Ho + oh) * geometry.Wo + ow;
}
