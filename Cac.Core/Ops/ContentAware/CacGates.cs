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
}
