namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// scale * x + shift with learnable one-element <paramref name="scale"/> and <paramref name="shift"/> (e.g. CAC's
    /// gamma * G + beta): one pass over x through the backend's affine kernel instead of two broadcast ops. The two
    /// scalars are read to the host. Gradients: g * scale for x, sum(g * x) for scale, sum(g) for shift.
    /// </summary>
    public static Tensor ScaleShift(Tensor x, Tensor scale, Tensor shift)
    {
        const string op = "scale_shift";
        RequireCompatible(op, x, scale, shift);
        RequireFloat(x, op);
        if (scale.Numel != 1 || shift.Numel != 1)
            throw new ArgumentException($"{op}: scale and shift must have one element each, got {Shape.Format(scale.Dims)} and {Shape.Format(shift.Dims)}");
        double a = scale.Item(), b = shift.Item();
        var y = Empty(x, x.Shape);
        x.Backend.Affine(x.Storage, y.Storage, a, b);
        return Autograd.Record(op, y, [x, scale, shift], g =>
        [
            x.RequiresGrad ? Affine(g, a, 0) : null,
            scale.RequiresGrad ? Sum(Mul(g, x)).Reshape(scale.Shape) : null,
            shift.RequiresGrad ? Sum(g).Reshape(shift.Shape) : null,
        ]);
    }
}
