namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// Content-aware convolution (docs/design.md section 2) with a given score. x: (N, Cin, H, W), weight: (Cout, Cin/groups, k, k)
    /// with k &gt;= 2, bias: (Cout) or null, score: (N, 1, Ho, Wo), usually gamma * CacScoreMap(x) + beta. Window (n, oh, ow)
    /// is sharp iff score &gt; 0 (strict) and gets the full k x k conv; the others get a 1 x 1 conv with
    /// w_phi = sum of weight over its k x k taps applied to the sample pixel (<see cref="CacSamplePoint"/>); bias on both.
    /// Returns (N, Cout, Ho, Wo). Gradients: exact for x, weight (w_phi's gradient reaches every tap) and bias; the score
    /// gets the straight-through gradient sign * sum over channels of g * y (+ at sharp, - at smooth positions).
    /// Both paths give the same results; <see cref="CacPath.Sparse"/> computes only what each window needs.
    /// </summary>
    public static Tensor ContentAwareConv2d(Tensor x, Tensor weight, Tensor? bias, Tensor score, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, CacSamplePoint point = CacSamplePoint.Centre, CacPath path = CacPath.Sparse) =>
        path == CacPath.Dense
            ? ContentAwareConv2dDense(x, weight, bias, score, stride, padding, dilation, groups, point)
            : ContentAwareConv2dSparse(x, weight, bias, score, stride, padding, dilation, groups, point);

    /// <summary>
    /// The dense-blend reference of <see cref="ContentAwareConv2d"/>: both convolutions over every position, blended
    /// by the straight-through gates: y = sharp_gate(score) * conv_kxk(x) + smooth_gate(score) * conv_1x1(sample(x), w_phi).
    /// Built from differentiable ops only, so autograd derives every gradient.
    /// </summary>
    public static Tensor ContentAwareConv2dDense(Tensor x, Tensor weight, Tensor? bias, Tensor score, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, CacSamplePoint point = CacSamplePoint.Centre)
    {
        CacConvGeometry("cac_conv2d_dense", x, weight, bias, score, stride, padding, dilation, groups);
        return ContentAwareConv2dBlend(x, weight, bias, CacSharpGate(score), CacSmoothGate(score), stride, padding, dilation, groups, point);
    }

    /// <summary>
    /// y = sharpGate * conv_kxk(x) + smoothGate * conv_1x1(sample(x), w_phi), both convolutions over every position, for
    /// any pair of differentiable gates (N, 1, Ho, Wo): the gates choose the score's gradient (<see cref="CacSharpGate"/> and
    /// <see cref="CacSmoothGate"/>: the official gated one; <see cref="CacSigmoidGate"/> and one minus it: the sigmoid surrogate).
    /// </summary>
    public static Tensor ContentAwareConv2dBlend(Tensor x, Tensor weight, Tensor? bias, Tensor sharpGate, Tensor smoothGate,
        int stride = 1, int padding = 0, int dilation = 1, int groups = 1, CacSamplePoint point = CacSamplePoint.Centre)
    {
        var geometry = CacConvGeometry("cac_conv2d_blend", x, weight, bias, sharpGate, stride, padding, dilation, groups);
        CacConvGeometry("cac_conv2d_blend", x, weight, bias, smoothGate, stride, padding, dilation, groups);
        var ySharp = Conv2d(x, weight, bias, stride, padding, dilation, groups);                   // (N, Cout, Ho, Wo)
        var wPhi = Sum(weight, [2, 3], keepDim: true);                                             // (Cout, Cin/g, 1, 1)
        var samples = CacSamplePoints(x, geometry.KH, stride, padding, dilation, point);           // (N, Cin, Ho, Wo)
        var ySmooth = Conv2d(samples, wPhi, bias, 1, 0, 1, groups);                                // (N, Cout, Ho, Wo)
        return Add(Mul(sharpGate, ySharp), Mul(smoothGate, ySmooth));                              // gates (N, 1, Ho, Wo) broadcast
    }

    // Validates a CAC call (ConvArguments, then what is particular to CAC: a square k x k kernel with k >= 2 and, when given,
    // the score (N, 1, Ho, Wo)) and returns its geometry.
    private static ConvGeometry CacConvGeometry(string op, Tensor x, Tensor weight, Tensor? bias, Tensor? score,
        int stride, int padding, int dilation, int groups)
    {
        var geometry = ConvArguments.Check(op, x, weight, bias, stride, padding, dilation, groups);
        if (geometry.KH != geometry.KW)
            throw new ArgumentException($"{op}: weight must be (Cout, Cin/groups, k, k), got {Shape.Format(weight.Dims)}");
        if (geometry.KH < 2)
            throw new ArgumentException($"{op}: 1 x 1 convolutions are never content-aware (weight {Shape.Format(weight.Dims)}); use a plain conv2d");
        if (score is null) return geometry;
        RequireCompatible(op, x, score);
        if (score.Rank != 4 || score.Dims[0] != geometry.N || score.Dims[1] != 1 || score.Dims[2] != geometry.Ho || score.Dims[3] != geometry.Wo)
            throw new ArgumentException($"{op}: score must be ({geometry.N}, 1, {geometry.Ho}, {geometry.Wo}) for input {Shape.Format(x.Dims)}, got {Shape.Format(score.Dims)}");
        return geometry;
    }
}
