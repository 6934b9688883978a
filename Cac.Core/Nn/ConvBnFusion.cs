namespace Cac.Nn;

/// <summary>
/// Inference-time fusion of conv -> eval-mode batch norm [-> + residual] [-> ReLU] into one
/// <see cref="Ops.Conv2dAffine"/> pass: the batch norm becomes a per-channel scale and shift applied to the
/// convolution's sums before they are stored, so its output, the residual sum and the ReLU are never
/// materialised as separate tensors. Model blocks use it in their fused inference plans (<see cref="IFusedInference"/>).
/// </summary>
public static class ConvBnFusion
{
    /// <summary>
    /// Whether <paramref name="conv"/> followed by <paramref name="bn"/> may run fused: a standard <see cref="Conv2d"/>, both
    /// in evaluation mode, no autograd graph being recorded and no forward hook installed (<see cref="ForwardHooks"/>: a MAdds
    /// count sees the layers one by one).
    /// </summary>
    public static bool CanFuse(Module conv, BatchNorm2d bn)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(bn);
        return conv is Conv2d && !conv.Training && !bn.Training && !Autograd.IsEnabled && !ForwardHooks.AnyInstalled;
    }

    /// <summary>
    /// act(bn(conv(x)) + residual) with bn in evaluation mode (running statistics), in one pass.
    /// x: (N, Cin, H, W); residual: the output's shape (N, Cout, Ho, Wo) or null. Requires <see cref="CanFuse"/>.
    /// </summary>
    public static Tensor Forward(Module conv, BatchNorm2d bn, Tensor x, Tensor? residual, bool relu)
    {
        if (!CanFuse(conv, bn))
            throw new ArgumentException($"ConvBnFusion: {conv.GetType().Name} + BatchNorm2d cannot be fused here (needs a Conv2d, both in eval mode, no autograd graph, no forward hook)");
        var c = (Conv2d)conv;
        if (bn.NumFeatures != c.OutChannels)
            throw new ArgumentException($"ConvBnFusion: the batch norm has {bn.NumFeatures} channels, the conv produces {c.OutChannels}");
        // scale = gamma / sqrt(running_var + eps), shift = beta - running_mean * scale.
        var scale = Ops.Div(bn.Weight, Ops.Sqrt(Ops.Affine(bn.RunningVar, 1, bn.Eps)));
        var shift = Ops.Sub(bn.Bias, Ops.Mul(bn.RunningMean, scale));
        return Ops.Conv2dAffine(x, c.Weight, c.Bias, scale, shift, residual, relu, c.Stride, c.Padding, c.Dilation, c.Groups);
    }
}
