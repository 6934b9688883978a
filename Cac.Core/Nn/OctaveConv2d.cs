using Cac.Madds;

namespace Cac.Nn;

/// <summary>
/// Octave convolution (Chen et al., ICCV 2019), following the reference implementation's semantics.
/// Input channels split high/low by alpha_in, output channels by alpha_out (low = floor(alpha * C), see
/// <see cref="OctaveChannels"/>); the low-frequency maps have half the resolution. Four path convolutions
/// (children <c>h2h</c>, <c>h2l</c>, <c>l2h</c>, <c>l2l</c>, created by an <see cref="OctavePathFactory"/>, all with
/// stride 1):
/// <code>
/// stride 1:  Y_H = h2h(X_H) + up2(l2h(X_L))          Y_L = l2l(X_L) + h2l(pool(X_H))
/// stride 2:  Y_H = h2h(pool(X_H)) + l2h(X_L)          Y_L = l2l(pool(X_L)) + h2l(pool(pool(X_H)))
/// </code>
/// pool = 2 x 2 average pooling with stride 2, up2 = nearest upsampling x 2. With stride 2 the high part is pooled
/// before h2h and pooled again for h2l, the low part is pooled for l2l, and l2h runs on the unpooled low part, which
/// already has the high output's resolution, so it is not upsampled. Output shapes: Y_H (N, C_high_out, H/s, W/s),
/// Y_L (N, C_low_out, H/(2s), W/(2s)). Paths whose input or output part has no channels are absent (alpha_in = 0:
/// no l2h, l2l; alpha_out = 0: no h2l, l2l). When a low part exists the convolutions must preserve size
/// (2 * padding = kernel - 1) and H, W must be even, so that the branches line up.
/// <para>MAdds: the four path convolutions are counted at their own resolutions; the total is credited to this layer (<see cref="IMaddsGroup"/>).</para>
/// </summary>
public sealed class OctaveConv2d : OctaveModule, IMaddsGroup
{
    /// <summary>Creates the layer with standard <see cref="Conv2d"/> paths (no bias by default, as the reference).</summary>
    public OctaveConv2d(int inChannels, int outChannels, int kernelSize, double alphaIn = 0.5, double alphaOut = 0.5,
        int stride = 1, int padding = 0, bool bias = false, Generator? generator = null)
        : this(inChannels, outChannels, kernelSize, alphaIn, alphaOut, stride, padding, StandardPaths(bias, generator ?? Generator.Default))
    {
    }

    /// <summary>Creates the layer with path convolutions made by <paramref name="pathFactory"/>.</summary>
    public OctaveConv2d(int inChannels, int outChannels, int kernelSize, double alphaIn, double alphaOut, int stride, int padding,
        OctavePathFactory pathFactory)
        : this(OctaveChannels.Split(inChannels, alphaIn, $"{nameof(OctaveConv2d)} input"),
            OctaveChannels.Split(outChannels, alphaOut, $"{nameof(OctaveConv2d)} output"), kernelSize, stride, padding, pathFactory)
    {
        AlphaIn = alphaIn;
        AlphaOut = alphaOut;
    }

    /// <summary>
    /// Creates the layer for explicit channel splits (a concatenation of octave maps, as a dense block's, need not split
    /// by one alpha); <see cref="AlphaIn"/> and <see cref="AlphaOut"/> are then the low parts' fractions.
    /// </summary>
    public OctaveConv2d((int High, int Low) input, (int High, int Low) output, int kernelSize, int stride, int padding,
        OctavePathFactory pathFactory)
    {
        ArgumentNullException.ThrowIfNull(pathFactory);
        if (kernelSize <= 0 || padding < 0 || stride is not (1 or 2))
            throw new ArgumentException($"{nameof(OctaveConv2d)}: invalid hyper-parameters kernel={kernelSize} stride={stride} (1 or 2) padding={padding}");
        (InHigh, InLow) = OctaveChannels.Check(input, $"{nameof(OctaveConv2d)} input");
        (OutHigh, OutLow) = OctaveChannels.Check(output, $"{nameof(OctaveConv2d)} output");
        if ((InLow > 0 || OutLow > 0) && 2 * padding != kernelSize - 1)
            throw new ArgumentException($"{nameof(OctaveConv2d)}: with a low-frequency part the convolutions must preserve size (2 * padding = kernel - 1), got kernel={kernelSize} padding={padding}");
        InChannels = InHigh + InLow;
        OutChannels = OutHigh + OutLow;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        AlphaIn = (double)InLow / InChannels;
        AlphaOut = (double)OutLow / OutChannels;
        H2H = RegisterModule("h2h", pathFactory(InHigh, OutHigh, kernelSize, 1, padding));
        if (OutLow > 0) H2L = RegisterModule("h2l", pathFactory(InHigh, OutLow, kernelSize, 1, padding));
        if (InLow > 0) L2H = RegisterModule("l2h", pathFactory(InLow, OutHigh, kernelSize, 1, padding));
        if (InLow > 0 && OutLow > 0) L2L = RegisterModule("l2l", pathFactory(InLow, OutLow, kernelSize, 1, padding));
    }

    /// <summary>A factory of standard convolutions (square kernel, given stride and padding).</summary>
    public static OctavePathFactory StandardPaths(bool bias = false, Generator? generator = null) =>
        (inC, outC, k, s, p) => new Conv2d(inC, outC, k, stride: s, padding: p, bias: bias, generator: generator ?? Generator.Default);

    /// <summary>Input channels (high + low).</summary>
    public int InChannels { get; }

    /// <summary>Output channels (high + low).</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height and width.</summary>
    public int KernelSize { get; }

    /// <summary>1 or 2 (realised by average pooling).</summary>
    public int Stride { get; }

    /// <summary>Zero padding of every path convolution.</summary>
    public int Padding { get; }

    /// <summary>Fraction of low-frequency input channels.</summary>
    public double AlphaIn { get; }

    /// <summary>Fraction of low-frequency output channels.</summary>
    public double AlphaOut { get; }

    /// <summary>High-frequency input channels.</summary>
    public int InHigh { get; }

    /// <summary>Low-frequency input channels (0: the input has no low part).</summary>
    public int InLow { get; }

    /// <summary>High-frequency output channels.</summary>
    public int OutHigh { get; }

    /// <summary>Low-frequency output channels (0: the output has no low part).</summary>
    public int OutLow { get; }

    /// <summary>High to high path (always present).</summary>
    public Module H2H { get; }

    /// <summary>High to low path, or null when the output has no low part.</summary>
    public Module? H2L { get; }

    /// <summary>Low to high path, or null when the input has no low part.</summary>
    public Module? L2H { get; }

    /// <summary>Low to low path, or null when either side has no low part.</summary>
    public Module? L2L { get; }

    /// <summary>x.High: (N, InHigh, H, W), x.Low: (N, InLow, H/2, W/2) or null -> Y_H (N, OutHigh, H/s, W/s), Y_L (N, OutLow, H/2s, W/2s) or null.</summary>
    protected override OctaveTensor ForwardCore(OctaveTensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        Validate(x);
        var xh = Stride == 2 ? Pool(x.High) : x.High;
        var yh = H2H.Forward(xh);
        Tensor? yl = H2L?.Forward(Pool(xh));
        if (L2H is not null)
        {
            var l2h = L2H.Forward(x.Low!);
            if (Stride == 1) l2h = Ops.Upsample(l2h, 2 * l2h.Dims[2], 2 * l2h.Dims[3]);
            yh = Ops.Add(yh, l2h);
        }
        if (L2L is not null)
        {
            var l2l = L2L.Forward(Stride == 2 ? Pool(x.Low!) : x.Low!);
            yl = Ops.Add(l2l, yl!);
        }
        return new OctaveTensor(yh, yl);
    }

    private static Tensor Pool(Tensor t) => Ops.AvgPool2d(t, 2, 2);

    private void Validate(OctaveTensor x)
    {
        var high = x.High;
        if (high.Rank != 4 || high.Dims[1] != InHigh)
            throw new ArgumentException($"{nameof(OctaveConv2d)}: expected a high-frequency input (N, {InHigh}, H, W), got {x.Describe()}");
        if (InLow == 0 && x.Low is not null)
            throw new ArgumentException($"{nameof(OctaveConv2d)}: alpha_in = {AlphaIn} takes no low-frequency input, got {x.Describe()}");
        bool needsEven = InLow > 0 || OutLow > 0 || Stride == 2;
        if (needsEven && (high.Dims[2] % 2 != 0 || high.Dims[3] % 2 != 0))
            throw new ArgumentException($"{nameof(OctaveConv2d)}: the high-frequency input needs an even height and width here, got {x.Describe()}");
        if (InLow == 0) return;
        var low = x.Low ?? throw new ArgumentException($"{nameof(OctaveConv2d)}: alpha_in = {AlphaIn} needs a low-frequency input with {InLow} channels, got {x.Describe()}");
        if (low.Rank != 4 || low.Dims[0] != high.Dims[0] || low.Dims[1] != InLow || low.Dims[2] != high.Dims[2] / 2 || low.Dims[3] != high.Dims[3] / 2)
            throw new ArgumentException($"{nameof(OctaveConv2d)}: expected a low-frequency input ({high.Dims[0]}, {InLow}, {high.Dims[2] / 2}, {high.Dims[3] / 2}), got {x.Describe()}");
    }

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{InChannels}, {OutChannels}, kernel_size={Repr.Pair(KernelSize, KernelSize)}, stride={Stride}, padding={Padding}, alpha_in={Repr.Float(AlphaIn)}, alpha_out={Repr.Float(AlphaOut)}";
}
