namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// y = act(Conv2d(x, weight, bias) * scale + shift + residual), with scale and shift per output channel: a convolution
    /// followed by an eval-mode batch norm (scale = gamma / sqrt(var + eps), shift = beta - mean * scale), an optional
    /// residual and an optional ReLU. x: (N, Cin, H, W), weight: (Cout, Cin/groups, KH, KW), bias: (Cout) or null,
    /// scale, shift: (Cout), residual: (N, Cout, Ho, Wo) or null; returns (N, Cout, Ho, Wo).
    /// On the CPU without a graph to record this is one fused pass (the epilogue runs before the output is stored);
    /// otherwise it is composed from the differentiable ops, so gradients flow as through the unfused layers.
    /// </summary>
    public static Tensor Conv2dAffine(Tensor x, Tensor weight, Tensor? bias, Tensor scale, Tensor shift, Tensor? residual, bool relu,
        int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        const string op = "conv2d_affine";
        var geometry = ConvArguments.Check(op, x, weight, bias, stride, padding, dilation, groups);
        RequireCompatible(op, x, scale, shift, residual);
        foreach (var (t, name) in new[] { (scale, "scale"), (shift, "shift") })
            if (t.Rank != 1 || t.Dims[0] != geometry.Cout)
                throw new ArgumentException($"{op}: {name} must have shape ({geometry.Cout}) for weight {Shape.Format(weight.Dims)}, got {Shape.Format(t.Dims)}");
        int[] yShape = [geometry.N, geometry.Cout, geometry.Ho, geometry.Wo];
        if (residual is not null && !residual.Dims.SequenceEqual(yShape))
            throw new ArgumentException($"{op}: residual must have the output's shape {Shape.Format(yShape)}, got {Shape.Format(residual.Dims)}");

        bool needsGraph = Autograd.IsEnabled && new[] { x, weight, bias, scale, shift, residual }.Any(t => t is { RequiresGrad: true });
        if (!needsGraph && x.Backend is CpuBackend cpu)
        {
            var y = Empty(x, yShape);
            cpu.Conv2dForwardFused(x.Storage, weight.Storage, bias?.Storage, scale.Storage, shift.Storage, residual?.Storage, relu, y.Storage, geometry);
            return y;
        }
        var h = Add(Mul(Conv2d(x, weight, bias, stride, padding, dilation, groups), Reshape(scale, 1, geometry.Cout, 1, 1)), Reshape(shift, 1, geometry.Cout, 1, 1));
        if (residual is not null) h = Add(h, residual);
        return relu ? Relu(h) : h;
    }
}
