using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Convolution as im2col + GEMM over chunks of samples (one GEMM per chunk and group instead of one per
// sample: the GEMMs are wide enough to fill a GPU). Per chunk of `count` samples:
//   forward:         col = im2col(x);  t (Cout, count*HoWo) = W_g @ col_g;  y = nchw(t) + bias
//   backward input:  t = gy as (Cout, count*HoWo);  colGrad_g = W_g^T @ t_g;  gx = col2im(colGrad)
//   backward weight: gw_g += t_g @ col_g^T  (beta = 0 on the first chunk, 1 after)
// with W_g (Cout/g, PatchSize) the rows of group g. Temporaries come from the pool.
public sealed partial class GpuBackend
{
    /// <summary>Elements of the largest im2col buffer (64 MiB of float32): bounds the chunk size.</summary>
    private const long MaxColumnElements = 1L << 24;

    private Action<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>? _im2col;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>? _col2im;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int>? _toNchw;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>? _fromNchw;

    private static int ChunkOf(ConvGeometry g) =>
        (int)Math.Clamp(MaxColumnElements / Math.Max(1L, (long)g.Cin * g.KH * g.KW * g.Ho * g.Wo), 1, Math.Max(g.N, 1));

    /// <inheritdoc />
    public void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, ConvGeometry g)
    {
        int hw = g.Ho * g.Wo, chunk = ChunkOf(g), patch = g.PatchSize, coutG = g.CoutPerGroup;
        if (g.N == 0 || hw == 0) return;
        var args = ConvArgs.From(g);
        using var col = Rent(DType.Float32, (long)g.Cin * g.KH * g.KW * chunk * hw);
        using var t = Rent(DType.Float32, (long)g.Cout * chunk * hw);
        var biasView = bias is null ? F(t) : F(bias);
        for (int n0 = 0; n0 < g.N; n0 += chunk)
        {
            int count = Math.Min(chunk, g.N - n0), cols = count * hw;
            Im2Col(F(x), F(col), args, n0, count);
            for (int grp = 0; grp < g.Groups; grp++)
                Gemm(false, false, coutG, cols, patch, 1f, F(w).SubView((long)grp * coutG * patch),
                    F(col).SubView((long)grp * patch * cols), 0f, F(t).SubView((long)grp * coutG * cols));
            int n = Int((long)count * g.Cout * hw);
            _toNchw ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int>(Im2ColKernels.ToNchw));
            _toNchw(Threads(n), F(t), F(y), biasView, bias is null ? 0 : 1, g.Cout, hw, n0, count, n, Threads(n));
        }
    }

    /// <inheritdoc />
    public void Conv2dBackwardInput(Storage gy, Storage w, Storage gx, ConvGeometry g)
    {
        int hw = g.Ho * g.Wo, chunk = ChunkOf(g), patch = g.PatchSize, coutG = g.CoutPerGroup;
        if (g.N == 0) return;
        if (hw == 0)
        {
            F(gx).MemSetToZero();
            return;
        }
        var args = ConvArgs.From(g);
        using var col = Rent(DType.Float32, (long)g.Cin * g.KH * g.KW * chunk * hw);
        using var t = Rent(DType.Float32, (long)g.Cout * chunk * hw);
        for (int n0 = 0; n0 < g.N; n0 += chunk)
        {
            int count = Math.Min(chunk, g.N - n0), cols = count * hw;
            FromNchw(F(gy), F(t), g.Cout, hw, n0, count);
            for (int grp = 0; grp < g.Groups; grp++)
                Gemm(true, false, patch, cols, coutG, 1f, F(w).SubView((long)grp * coutG * patch),
                    F(t).SubView((long)grp * coutG * cols), 0f, F(col).SubView((long)grp * patch * cols));
            int n = Int((long)count * g.Cin * g.H * g.W);
            _col2im ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>(Im2ColKernels.Col2Im));
            _col2im(Threads(n), F(col), F(gx), args, n0, count, n, Threads(n));
        }
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeight(Storage x, Storage gy, Storage gw, ConvGeometry g)
    {
        int hw = g.Ho * g.Wo, chunk = ChunkOf(g), patch = g.PatchSize, coutG = g.CoutPerGroup;
        if (g.N == 0 || hw == 0)
        {
            if (gw.Length > 0) F(gw).MemSetToZero();
            return;
        }
        var args = ConvArgs.From(g);
        using var col = Rent(DType.Float32, (long)g.Cin * g.KH * g.KW * chunk * hw);
        using var t = Rent(DType.Float32, (long)g.Cout * chunk * hw);
        for (int n0 = 0; n0 < g.N; n0 += chunk)
        {
            int count = Math.Min(chunk, g.N - n0), cols = count * hw;
            Im2Col(F(x), F(col), args, n0, count);
            FromNchw(F(gy), F(t), g.Cout, hw, n0, count);
            for (int grp = 0; grp < g.Groups; grp++)
                Gemm(false, true, coutG, patch, cols, 1f, F(t).SubView((long)grp * coutG * cols),
                    F(col).SubView((long)grp * patch * cols), n0 == 0 ? 0f : 1f, F(gw).SubView((long)grp * coutG * patch));
        }
    }

    private void Im2Col(ArrayView<float> x, ArrayView<float> col, ConvArgs args, int n0, int count)
    {
        int n = Int((long)args.Cin * args.KH * args.KW * count * args.Ho * args.Wo);
        _im2col ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>(Im2ColKernels.Im2Col));
        _im2col(Threads(n), x, col, args, n0, count, n, Threads(n));
    }

    private void FromNchw(ArrayView<float> y, ArrayView<float> t, int channels, int hw, int n0, int count)
    {
        int n = Int((long)count * channels * hw);
        _fromNchw ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(Im2ColKernels.FromNchw));
        _fromNchw(Threads(n), y, t, channels, hw, n0, count, n, Threads(n));
    }
}
