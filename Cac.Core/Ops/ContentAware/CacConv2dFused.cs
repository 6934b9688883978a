namespace Cac;

/// <summary>What one fused forward of a content-aware layer produced besides its output (see <see cref="Ops.ContentAwareConv2dFused"/>).</summary>
/// <param name="ScoreMap">G (N, 1, Ho, Wo), the Sobel score map, no gradient.</param>
/// <param name="Mask">Hard sharp mask (N, 1, Ho, Wo), 1 where gamma * G + beta &gt; 0; detached.</param>
/// <param name="Sharp">Number of sharp windows (the sum of the mask).</param>
/// <param name="SharpRatio">Sharp / windows as a scalar tensor (shape []), differentiable in gamma and beta through the straight-through gate.</param>
internal sealed record CacForwardStats(Tensor ScoreMap, Tensor Mask, long Sharp, Tensor SharpRatio);

public static partial class Ops
{
    /// <summary>
    /// The sparse forward of a content-aware layer in one backend call (<see cref="IBackend.CacLayerForward"/>): score map,
    /// score s = gamma * G + beta, partition and convolution, fused per sample on the CPU. Equal to
    /// <c>ContentAwareConv2dSparse(x, weight, bias, ScaleShift(CacScoreMap(x, k, ...), gamma, beta), ...)</c> with the
    /// same gradients for x, weight, bias, gamma and beta (the score's straight-through gradient reaches gamma and beta as
    /// ScaleShift passes it on). <paramref name="stats"/> also carries the mask, its count and the differentiable sharp
    /// ratio mean(CacSharpGate(s)). gamma, beta: one element each. Returns y (N, Cout, Ho, Wo).
    /// <para>
    /// With <paramref name="sigmoidTemperature"/> (the temperature T from the score map G, asked once, in the backward
    /// pass), the score's gradient (for the output and the sharp ratio) is the sigmoid surrogate of <see cref="CacSigmoidGate"/> instead, as <c>ContentAwareConv2dBlend(x, weight, bias, m, 1 - m)</c>
    /// with <c>m = CacSigmoidGate(s, T)</c> computes it, but sparse: the other path's output at every window comes from one
    /// more sparse forward in the backward pass (<see cref="CacSigmoidScoreGradient"/>).
    /// </para>
    /// </summary>
    internal static Tensor ContentAwareConv2dFused(Tensor x, Tensor weight, Tensor? bias, Tensor gamma, Tensor beta, int stride,
        int padding, int dilation, int groups, CacSamplePoint point, out CacForwardStats stats, Func<Tensor, double>? sigmoidTemperature = null)
    {
        const string op = "cac_conv2d_fused";
        RequireCompatible(op, x, weight, bias, gamma, beta);
        if (gamma.Numel != 1 || beta.Numel != 1)
            throw new ArgumentException($"{op}: gamma and beta must have one element each, got {Shape.Format(gamma.Dims)} and {Shape.Format(beta.Dims)}");
        var geometry = CacConvGeometry(op, x, weight, bias, null, stride, padding, dilation, groups);
        var scoreMap = Empty(x, geometry.N, 1, geometry.Ho, geometry.Wo);
        var backend = x.Backend;
        var mask = Empty(x, geometry.N, 1, geometry.Ho, geometry.Wo);
        var wPhi = Empty(x, geometry.Cout, geometry.CinPerGroup);                                       // (Cout, Cin/g)
        backend.CacSumTaps(weight.Storage, wPhi.Storage, geometry.Cout * geometry.CinPerGroup, geometry.KH * geometry.KW);
        var y = Empty(x, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo);
        int sharp = backend.CacLayerForward(x.Storage, weight.Storage, wPhi.Storage, bias?.Storage, gamma.Storage, beta.Storage, scoreMap.Storage, mask.Storage,
            y.Storage, geometry, point, CacGeometry.SmoothSize(geometry.KH, stride, dilation));
        // d mask / d score: the mask itself (gated) or the sigmoid's slope at the score (surrogate).
        Func<Tensor> maskSlope = () => mask;
        if (sigmoidTemperature is not null)
        {
            var slope = new Lazy<Tensor>(() => CacSigmoidSlope(ScaleShift(scoreMap, gamma.Detach(), beta.Detach()), sigmoidTemperature(scoreMap)));
            maskSlope = () => slope.Value;
        }
        stats = new CacForwardStats(scoreMap, mask, sharp, SharpRatioOf(mask, scoreMap, gamma, beta, sharp, maskSlope));

        Tensor[] inputs = bias is null ? [x, weight, gamma, beta] : [x, weight, gamma, beta, bias];
        return Autograd.Record(op, y, inputs, gy =>
        {
            // The mask stands for the score (mask > 0 exactly where the score is); the partition is made again from it.
            bool scoreGrad = gamma.RequiresGrad || beta.RequiresGrad;
            var (gx, gw, gScore, gBias) = CacSparseGradients(gy, x, weight, bias, wPhi, y, mask, null, sharp, geometry, point,
                scoreGrad && sigmoidTemperature is null);
            if (scoreGrad && sigmoidTemperature is not null)
                gScore = Mul(CacSigmoidScoreGradient(gy, x, weight, bias, wPhi, y, mask, sharp, geometry, point), maskSlope());
            // Through s = gamma * G + beta.
            var gGamma = gamma.RequiresGrad ? Sum(Mul(gScore!, scoreMap)).Reshape(gamma.Shape) : null;
            var gBeta = beta.RequiresGrad ? Sum(gScore!).Reshape(beta.Shape) : null;
            return bias is null ? [gx, gw, gGamma, gBeta] : [gx, gw, gGamma, gBeta, gBias];
        });
    }

    // mean(mask) as Mean computes it (sum * (1 / count) in the tensor's dtype), with the gradient of the mean of the gate:
    // d/ds_i = maskSlope_i / count (maskSlope: the mask for CacSharpGate, the sigmoid's slope for CacSigmoidGate), passed on
    // to gamma (times G_i) and beta.
    private static Tensor SharpRatioOf(Tensor mask, Tensor scoreMap, Tensor gamma, Tensor beta, long sharp, Func<Tensor> maskSlope)
    {
        long count = Math.Max(mask.Numel, 1);
        double value = mask.DType == DType.Float32 ? (float)sharp * (float)(1.0 / count) : sharp * (1.0 / count);
        var ratio = Tensor.Scalar(value, mask.DType, mask.Device);
        return Autograd.Record("cac_sharp_ratio", ratio, [gamma, beta], grad =>
        {
            var gScore = Mul(maskSlope(), grad * (1.0 / count));                              // (N, 1, Ho, Wo)
            return
            [
                gamma.RequiresGrad ? Sum(Mul(gScore, scoreMap)).Reshape(gamma.Shape) : null,
                beta.RequiresGrad ? Sum(gScore).Reshape(beta.Shape) : null,
            ];
        });
    }
}
