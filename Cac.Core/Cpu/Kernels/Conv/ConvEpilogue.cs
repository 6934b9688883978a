using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// What a convolution does to its raw sums before storing them, per output channel co and pixel p:
/// y = act(sum * Scale[co] + Shift[co] + Residual[co, p]), act = ReLU or identity. Scale null means 1;
/// Shift holds the conv bias (and, for a folded eval-mode batch norm, beta - mean * scale); Residual null means 0.
/// Residual has y's layout (N, Cout, Ho, Wo).
/// </summary>
internal readonly record struct ConvEpilogue<T>(T[]? Scale, T[]? Shift, T[]? Residual, bool Relu) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Whether the epilogue changes anything (otherwise y = sum).</summary>
    public bool IsIdentity => Scale is null && Shift is null && Residual is null && !Relu;

    /// <summary>The plain epilogue of a conv with an optional bias.</summary>
    public static ConvEpilogue<T> Bias(T[]? bias) => new(null, bias, null, false);

    /// <summary>
    /// The epilogue of a conv with a bias followed by a per-channel affine (an eval-mode batch norm), an optional residual
    /// and an optional ReLU: the bias is folded into the shift, (s + b) * a + c = s * a + (b * a + c).
    /// </summary>
    public static ConvEpilogue<T> Fused(T[]? bias, T[]? scale, T[]? shift, T[]? residual, bool relu, int cout)
    {
        if (bias is not null)
        {
            var folded = new T[cout];
            for (int co = 0; co < cout; co++)
                folded[co] = (scale is null ? bias[co] : bias[co] * scale[co]) + (shift is null ? T.Zero : shift[co]);
            shift = folded;
        }
        return new ConvEpilogue<T>(scale, shift, residual, relu);
    }

    /// <summary>Applies the epilogue in place to dst[0..count), channel co, whose residual values start at resIndex.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(Span<T> dst, int co, long resIndex)
    {
        T a = Scale is null ? T.One : Scale[co];
        T c = Shift is null ? T.Zero : Shift[co];
        var va = new Vector<T>(a);
        var vc = new Vector<T>(c);
        ReadOnlySpan<T> res = Residual is null ? default : Residual.AsSpan((int)resIndex, dst.Length);
        int i = 0, w = Vector<T>.Count;
        for (; i + w <= dst.Length; i += w)
        {
            var v = GemmKernel<T>.MulAdd(new Vector<T>(dst[i..]), va, vc);
            if (Residual is not null) v += new Vector<T>(res[i..]);
            if (Relu) v = Vector.Max(v, Vector<T>.Zero);
            v.CopyTo(dst[i..]);
        }
        for (; i < dst.Length; i++)
        {
            T v = dst[i] * a + c;
            if (Residual is not null) v += res[i];
            if (Relu && v < T.Zero) v = T.Zero; // NaN stays NaN, as in Vector.Max
            dst[i] = v;
        }
    }
}
