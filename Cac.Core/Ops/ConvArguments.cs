namespace Cac;

/// <summary>
/// The one validator of 2-D convolution arguments: the conv ops (<see cref="Ops.Conv2d"/>, <see cref="Ops.Conv2dAffine"/>, the
/// content-aware convolutions) check their tensors with <see cref="Check"/>, the conv layers (Nn/ConvolutionModule.cs) their
/// hyper-parameters with <see cref="CheckLayer"/>. Every message names the op or layer, the offending value and the shapes.
/// </summary>
internal static class ConvArguments
{
    /// <summary>
    /// Validates x (N, Cin, H, W), weight (Cout, Cin/groups, KH, KW), bias (Cout) or null, stride, padding, dilation and groups
    /// for <paramref name="op"/>, and returns the geometry (y: (N, Cout, Ho, Wo)).
    /// </summary>
    public static ConvGeometry Check(string op, Tensor x, Tensor weight, Tensor? bias, int stride, int padding, int dilation, int groups)
    {
        Ops.RequireCompatible(op, x, weight, bias);
        Ops.RequireFloat(x, op);
        string call = $"input {Shape.Format(x.Dims)}, weight {Shape.Format(weight.Dims)}, stride={stride}, padding={padding}, dilation={dilation}, groups={groups}";
        if (x.Rank != 4)
            throw new ArgumentException($"{op} expects a 4-D input (N, Cin, H, W); got {call}");
        if (weight.Rank != 4)
            throw new ArgumentException($"{op} expects a 4-D weight (Cout, Cin/groups, KH, KW); got {call}");
        if (!InRange(stride, padding, dilation, groups))
            throw new ArgumentException($"{op}: invalid stride {stride}, padding {padding}, dilation {dilation} or groups {groups} ({call})");
        int n = x.Dims[0], cin = x.Dims[1], h = x.Dims[2], w = x.Dims[3];
        int cout = weight.Dims[0], kh = weight.Dims[2], kw = weight.Dims[3];
        if (cin % groups != 0)
            throw new ArgumentException($"{op}: input channels {cin} are not divisible by groups {groups} ({call})");
        if (cout % groups != 0)
            throw new ArgumentException($"{op}: output channels {cout} are not divisible by groups {groups} ({call})");
        if (weight.Dims[1] * groups != cin)
            throw new ArgumentException($"{op}: input has {cin} channels but the weight expects {weight.Dims[1]} x {groups} groups = {weight.Dims[1] * groups} ({call})");
        if (kh < 1 || kw < 1 || cout < 1)
            throw new ArgumentException($"{op}: empty weight ({call})");
        if (bias is not null && (bias.Rank != 1 || bias.Dims[0] != cout))
            throw new ArgumentException($"{op}: bias {Shape.Format(bias.Dims)} does not match the {cout} output channels ({call})");
        if (h + 2 * padding - dilation * (kh - 1) - 1 < 0 || w + 2 * padding - dilation * (kw - 1) - 1 < 0)
            throw new ArgumentException($"{op}: the (dilated) kernel {kh}x{kw} (dilation {dilation}) is larger than the padded input {h + 2 * padding}x{w + 2 * padding} ({call})");
        return new ConvGeometry(n, cin, h, w, cout, kh, kw, stride, stride, padding, padding, dilation, dilation, groups);
    }

    /// <summary>Validates the hyper-parameters of a conv layer named <paramref name="layer"/>, before it has any tensor.</summary>
    public static void CheckLayer(string layer, int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || !InRange(stride, padding, dilation, groups))
            throw new ArgumentException($"{layer}: invalid hyper-parameters in={inChannels} out={outChannels} kernel={kernelSize} stride={stride} padding={padding} dilation={dilation} groups={groups}");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"{layer}: in_channels {inChannels} and out_channels {outChannels} must both be divisible by groups {groups}");
    }

    // stride, dilation and groups at least 1, padding at least 0.
    private static bool InRange(int stride, int padding, int dilation, int groups) => stride >= 1 && padding >= 0 && dilation >= 1 && groups >= 1;
}
