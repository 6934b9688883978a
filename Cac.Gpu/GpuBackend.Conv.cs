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

    private static int ChunkOf(ConvGeometry geometry) =>
        (int)Math.Clamp(MaxColumnElements / Math.Max(1L, (long)geometry.Cin * geometry.KH * geometry.KW * geometry.Ho * geometry.Wo), 1, Math.Max(geometry.N, 1));

    /// <inheritdoc />
    public void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, ConvGeometry geometry)
    {
        int hw = geometry.Ho * geometry.Wo, chunk = ChunkOf(geometry), patch = geometry.PatchSize, coutG = geometry.CoutPerGroup;
        if (geometry.N == 0 || hw == 0) return;
        var args = ConvArgs.From(geometry);
        using var col = Rent(DType.Float32, (long)geometry.Cin * geometry.KH * geometry.KW * chunk * hw);
        using var t = Rent(DType.Float32, (long)geometry.Cout * chunk * hw);
        var biasView = bias is null ? Floats(t) : Floats(bias);
        for (int n0 = 0; n0 < geometry.N; n0 += chunk)
        {
            int count = Math.Min(chunk, geometry.N - n0), cols = count * hw;
            Im2Col(Floats(x), Floats(col), args, n0, count);
            for (int grp = 0; grp < geometry.Groups; grp++)
                Gemm(false, false, coutG, cols, patch, 1f, Floats(w).SubView((long)grp * coutG * patch),
                    Floats(col).SubView((long)grp * patch * cols), 0f, Floats(t).SubView((long)grp * coutG * cols));
            int n = Int((long)count * geometry.Cout * hw);
            _toNchw ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int>(Im2ColKernels.ToNchw));
            _toNchw(Threads(n), Floats(t), Floats(y), biasView, bias is null ? 0 : 1, geometry.Cout, hw, n0, count, n, Threads(n));
        }
    }

    /// <inheritdoc />
    public void Conv2dBackwardInput(Storage gy, Storage w, Storage gx, ConvGeometry geometry)
    {
        int hw = geometry.Ho * geometry.Wo, chunk = ChunkOf(geometry), patch = geometry.PatchSize, coutG = geometry.CoutPerGroup;
        if (geometry.N == 0) return;
        if (hw == 0)
        {
            Floats(gx).MemSetToZero();
            return;
        }
        var args = ConvArgs.From(geometry);
        using var col = Rent(DType.Float32, (long)geometry.Cin * geometry.KH * geometry.KW * chunk * hw);
        using var t = Rent(DType.Float32, (long)geometry.Cout * chunk * hw);
        for (int n0 = 0; n0 < geometry.N; n0 += chunk)
        {
            int count = Math.Min(chunk, geometry.N - n0), cols = count * hw;
            FromNchw(Floats(gy), Floats(t), geometry.Cout, hw, n0, count);
            for (int grp = 0; grp < geometry.Groups; grp++)
                Gemm(true, false, patch, cols, coutG, 1f, Floats(w).SubView((long)grp * coutG * patch),
                    Floats(t).SubView((long)grp * coutG * cols), 0f, Floats(col).SubView((long)grp * patch * cols));
            int n = Int((long)count * geometry.Cin * geometry.H * geometry.W);
            _col2im ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConvArgs, int, int, int, int>(Im2ColKernels.Col2Im));
            _col2im(Threads(n), Floats(col), Floats(gx), args, n0, count, n, Threads(n));
        }
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeight(Storage x, Storage gy, Storage gw, ConvGeometry geometry)
    {
        int hw = geometry.Ho * geometry.Wo, chunk = ChunkOf(geometry), patch = geometry.PatchSize, coutG = geometry.CoutPerGroup;
        if (geometry.N == 0 || hw == 0)
        {
            if (gw.Length > 0) Floats(gw).MemSetToZero();
            return;
        }
        var args = ConvArgs.From(geometry);
        using var col = Rent(DType.Float32, (long)geometry.Cin * geometry.KH * geometry.KW * chunk * hw);
        using var t = Rent(DType.Float32, (long)geometry.Cout * chunk * hw);
        for (int n0 = 0; n0 < geometry.N; n0 += chunk)
        {
            int count = Math.Min(chunk, geometry.N - n0), cols = count * hw;
            Im2Col(Floats(x), Floats(col), args, n0, count);
            FromNchw(Floats(gy), Floats(t), geometry.Cout, hw, n0, count);
            for (int grp = 0; grp < geometry.Groups; grp++)
                Gemm(false, true, coutG, patch, cols, 1f, Floats(t).SubView((long)grp * coutG * cols),
                    Floats(col).SubView((long)grp * patch * cols), n0 == 0 ? 0f : 1f, Floats(gw).SubView((long)grp * coutG * patch));
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
