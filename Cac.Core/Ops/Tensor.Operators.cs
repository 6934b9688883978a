namespace Cac;

public sealed partial class Tensor
{
    /// <summary>Elementwise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);
    /// <summary>Elementwise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Sub(a, b);
    /// <summary>Elementwise product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Mul(a, b);
    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Div(a, b);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => Ops.Neg(a);
    /// <summary>Adds a constant.</summary>
    public static Tensor operator +(Tensor a, double s) => Ops.Affine(a, 1, s);
    /// <summary>Adds a constant.</summary>
    public static Tensor operator +(double s, Tensor a) => Ops.Affine(a, 1, s);
    /// <summary>Subtracts a constant.</summary>
    public static Tensor operator -(Tensor a, double s) => Ops.Affine(a, 1, -s);
    /// <summary>Constant minus tensor.</summary>
    public static Tensor operator -(double s, Tensor a) => Ops.Affine(a, -1, s);
    /// <summary>Scales by a constant.</summary>
    public static Tensor operator *(Tensor a, double s) => Ops.Affine(a, s, 0);
    /// <summary>Scales by a constant.</summary>
    public static Tensor operator *(double s, Tensor a) => Ops.Affine(a, s, 0);
    /// <summary>Divides by a constant.</summary>
    public static Tensor operator /(Tensor a, double s) => Ops.Affine(a, 1 / s, 0);
}
