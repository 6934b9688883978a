namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// scale * x + shift with learnable one-element <paramref name="scale"/> and <paramref name="shift"/> (e.g. CAC's
    /// gamma * G + beta): one pass over x through the backend's scale-shift kernel instead of two broadcast ops; the kernel
    /// reads the two scalars itself (no host read). Gradients: g * scale for x, sum(g * x) for scale, sum(g) for shift.
    /// </summary>
    public static Tensor ScaleShift(Tensor x, Tensor scale, Tensor shift)
    {
        const string op = "scale_shift";
        RequireCompatible(op, x, scale, shift);
        RequireFloat(x, op);
        if (scale.Numel != 1 || shift.Numel != 1)
            throw new ArgumentException($"{op}: scale and shift must have one element each, got {Shape.Format(scale.Dims)} and {Shape.Format(shift.Dims)}");
        var y = Empty(x, x.Shape);
        x.Backend.ScaleShift(x.Storage, y.Storage, scale.Storage, shift.Storage);
        return Autograd.Record(op, y, [x, scale, shift], grad =>
        [
            x.RequiresGrad ? ScaledBy(grad, scale) : null,
            scale.RequiresGrad ? Sum(Mul(grad, x)).Reshape(scale.Shape) : null,
            shift.RequiresGrad ? Sum(grad).Reshape(shift.Shape) : null,
        ]);
    }

    // grad * scale[0] (no gradient recorded: only the backward of ScaleShift uses it).
    private static Tensor ScaledBy(Tensor grad, Tensor scale)
    {
        var y = Empty(grad, grad.Shape);
        grad.Backend.ScaleShift(grad.Storage, y.Storage, scale.Storage, null);
        return y;
    }
}
