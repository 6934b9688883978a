using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cac;

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
