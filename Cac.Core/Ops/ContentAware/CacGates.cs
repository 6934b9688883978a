namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// Hard sharp mask of a CAC score: 1 where score &gt; 0 (strict), else 0; same shape. Straight-through
    /// gradient gated by the mask itself (docs/design.md 2.7): d mask / d score = mask.
    /// </summary>
    public static Tensor CacSharpGate(Tensor score)
    {
        RequireFloat(score, "cac_sharp_gate");
        var mask = Empty(score, score.Shape);
        score.Backend.CacStep(score.Storage, mask.Storage);
        var gate = mask.Detach();
        return Autograd.Record("cac_sharp_gate", mask, [score], grad => [Mul(grad, gate)]);
    }

    /// <summary>
    /// Hard smooth mask of a CAC score: 1 where score &lt;= 0, else 0 (= 1 - sharp mask). Straight-through
    /// gradient gated by the mask itself, with the opposite sign: d smooth / d score = -smooth.
    /// </summary>
    public static Tensor CacSmoothGate(Tensor score)
    {
        RequireFloat(score, "cac_smooth_gate");
        var sharp = Empty(score, score.Shape);
        score.Backend.CacStep(score.Storage, sharp.Storage);
        var smooth = Empty(score, score.Shape);
        score.Backend.Affine(sharp.Storage, smooth.Storage, -1, 1);
        var gate = smooth.Detach();
        return Autograd.Record("cac_smooth_gate", smooth, [score], grad => [Neg(Mul(grad, gate))]);
    }

    /// <summary>
    /// Hard sharp mask of a CAC score, as <see cref="CacSharpGate"/> (1 where score &gt; 0, strict), with the sigmoid
    /// surrogate gradient instead of the gated one (docs/design.md 2.7): d mask / d score = sigma'(score / T) / T, with
    /// sigma the logistic function and T = <paramref name="temperature"/> &gt; 0. Every window near the threshold
    /// (|score| of a few T) passes gradient, sharp or smooth, so <c>1 - mask</c> gives the smooth mask with the opposite
    /// gradient and a blend learns from sum over channels of g * (y_sharp - y_smooth): what switching a window would change.
    /// </summary>
    public static Tensor CacSigmoidGate(Tensor score, double temperature)
    {
        RequireFloat(score, "cac_sigmoid_gate");
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentException($"cac_sigmoid_gate: the temperature must be a finite number > 0, got {temperature}");
        var mask = Empty(score, score.Shape);
        score.Backend.CacStep(score.Storage, mask.Storage);
        var detached = score.Detach();
        return Autograd.Record("cac_sigmoid_gate", mask, [score], grad => [Mul(grad, CacSigmoidSlope(detached, temperature))]);
    }

    // d sigma(s / T) / ds = sigma(s / T) * (1 - sigma(s / T)) / T, elementwise, no gradient: the sigmoid surrogate's
    // d mask / d score.
    private static Tensor CacSigmoidSlope(Tensor score, double temperature)
    {
        using var noGrad = Autograd.NoGrad();
        var sigma = Sigmoid(Affine(score, 1 / temperature, 0));
        return Affine(Mul(sigma, Affine(sigma, -1, 1)), 1 / temperature, 0);
    }
}
