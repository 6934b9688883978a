using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cac.Cpu.Kernels;

/// <summary>
/// 2-D convolution on the CPU. Stride-1 undilated ungrouped 3 x 3 convs with at least 8 channels each way run Winograd
/// F(4x4, 3x3) (<see cref="ConvWinograd{T}"/>: forward, input gradient through the flipped weights, and weight gradient
/// up to Cin x Cout = 128 x 128) when <see cref="CpuBackend.Kernels"/> is <see cref="CpuKernelChoice.Fast"/>. The rest are GEMMs, per sample and group g: y_g (Cout/G, Ho * Wo) = W_g (Cout/G, Cin/G * KH * KW) @ col_g,
/// with col_g = im2col(x_g): (Cin/G * KH * KW, Ho * Wo). Three ways to get col_g:
/// 1 x 1 stride-1 unpadded convs use x itself; the forward of the others runs <see cref="ConvDirect{T}"/> on the implicit
/// im2col of <see cref="PhasedImage"/> (except stride-1 convs padded wider than their output); stride-1 input gradients run
/// it on the flipped weights; the rest unfold an explicit col matrix (<see cref="Im2ColKernels{T}"/>). Weight gradients
/// other than 1 x 1 run <see cref="ConvWeightGrad{T}"/> straight from the padded image.
/// <see cref="CpuKernelChoice.Gemm"/> unfolds an explicit col matrix for every conv, forward and both gradients (the GPU's
/// algorithm); <see cref="CpuKernelChoice.Reference"/> runs <see cref="ConvReference"/> instead (chosen in CpuKernels, before this class).
/// Work is split over the batch (each worker owns its pooled buffers and runs single-threaded GEMMs);
/// with fewer samples than cores the GEMMs themselves go parallel.
/// <para>
/// GPU twin: none as such, a different algorithm: the GPU runs every convolution as im2col + GEMM
///    (Cac.Gpu/GpuBackend.Conv.cs with Cac.Gpu/Kernels/Im2ColKernels.cs and GemmKernel.cs), the CPU picks Winograd,
///    direct or GEMM kernels here.
/// Reference: Cac.Core/Cpu/Reference/ConvReference.cs.
/// Checked against: Cac.Tests/Core/ConvTests.cs, Cac.Tests/Core/ConvStridedDirectTests.cs,
///    Cac.Tests/Core/ConvFusionTests.cs, Cac.Tests/Core/CpuKernelChoiceTests.cs,
///    Cac.Tests/PyTorch/Conv2dFixtureTests.cs.
/// </para>
/// </summary>
internal static class CpuConv<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private enum Path { Pointwise, Padded, Unfold }

    // Winograd, the direct kernels and the shortcuts run only with CpuKernelChoice.Fast; Gemm unfolds every conv.
    private static bool Fast => CpuBackend.Kernels == CpuKernelChoice.Fast;

    private static Path PathOf(ConvGeometry geometry) =>
        !Fast ? Path.Unfold
        : geometry.KH == 1 && geometry.KW == 1 && geometry.StrideH == 1 && geometry.StrideW == 1 && geometry.PadH == 0 && geometry.PadW == 0 ? Path.Pointwise
        : PaddedImage.Applies(geometry) ? Path.Padded
        : Path.Unfold;

    private static bool BatchParallel(ConvGeometry geometry) => geometry.N >= Environment.ProcessorCount && Environment.ProcessorCount > 1;

    /// <summary>Runs body(nStart, nEnd, buffers) over the batch; each worker rents its own buffers of the given lengths.</summary>
    private static void ForBatch(ConvGeometry geometry, int[] lengths, Action<int, int, T[][]> body)
    {
        if (!BatchParallel(geometry)) WithBuffers(lengths, buffers => body(0, geometry.N, buffers));
        else CpuParallel.For(geometry.N, 1, (start, end) => WithBuffers(lengths, buffers => body((int)start, (int)end, buffers)));
    }

    private static void WithBuffers(int[] lengths, Action<T[][]> body)
    {
        var buffers = lengths.Select(length => ArrayPool<T>.Shared.Rent(Math.Max(length, 1))).ToArray();
        try { body(buffers); }
        finally { foreach (var b in buffers) ArrayPool<T>.Shared.Return(b); }
    }

    /// <summary>y = conv(x, w) + bias. x: (N, Cin, H, W), w: (Cout, Cin/G, KH, KW), bias: (Cout) or null, y: (N, Cout, Ho, Wo).</summary>
    public static void Forward(T[] x, T[] w, T[]? bias, T[] y, ConvGeometry geometry) => Forward(x, w, y, geometry, ConvEpilogue<T>.Bias(bias));

    /// <summary>
    /// y = epilogue(conv(x, w)) (see <see cref="ConvEpilogue{T}"/>). x: (N, Cin, H, W), w: (Cout, Cin/G, KH, KW), y: (N, Cout, Ho, Wo).
    /// The Winograd path applies the epilogue per output row as it copies the rows out, <see cref="ConvDirect{T}"/> in
    /// registers; the GEMM paths per sample after the GEMMs.
    /// </summary>
    public static void Forward(T[] x, T[] w, T[] y, ConvGeometry geometry, ConvEpilogue<T> epilogue)
    {
        if (Fast && ConvWinograd<T>.Applies(geometry))
        {
            ConvWinograd<T>.Forward(x, w, y, geometry, epilogue);
            return;
        }
        if (Fast && PathOf(geometry) != Path.Pointwise && ConvDirect<T>.Applies(geometry))
        {
            ConvDirect<T>.Forward(x, w, y, geometry, epilogue);
            return;
        }
        int plane = geometry.Ho * geometry.Wo, hw = geometry.H * geometry.W;
        int coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup, patch = geometry.PatchSize;
        var path = PathOf(geometry);
        bool gemmParallel = !BatchParallel(geometry);
        int[] lengths = path == Path.Pointwise ? [] : [patch * plane];
        ForBatch(geometry, lengths, (start, end, buffers) =>
        {
            for (int n = start; n < end; n++)
            {
                for (int gi = 0; gi < geometry.Groups; gi++)
                {
                    long yOff = ((long)n * geometry.Cout + gi * coutG) * plane;
                    long xOff = ((long)n * geometry.Cin + gi * cinG) * hw;
                    var wg = new StridedMatrix<T>(w, (long)gi * coutG * patch, patch, 1);
                    StridedMatrix<T> b;
                    if (path == Path.Pointwise)
                    {
                        b = new StridedMatrix<T>(x, xOff, hw, 1);
                    }
                    else
                    {
                        Im2ColKernels<T>.Unfold(x, xOff, geometry, buffers[0]);
                        b = new StridedMatrix<T>(buffers[0], 0, plane, 1);
                    }
                    CpuGemm<T>.Multiply(coutG, plane, patch, T.One, wg, b, T.Zero, y, yOff, plane, gemmParallel);
                }
                // The sample's output is still in cache: bias, scale, residual and activation now.
                if (!epilogue.IsIdentity)
                    for (int co = 0; co < geometry.Cout; co++)
                    {
                        long index = ((long)n * geometry.Cout + co) * plane;
                        epilogue.Apply(y.AsSpan((int)index, plane), co, index);
                    }
            }
        });
    }

    /// <summary>gx = dL/dx. gy: (N, Cout, Ho, Wo), w: (Cout, Cin/G, KH, KW), gx: (N, Cin, H, W), overwritten.</summary>
    public static void BackwardInput(T[] gy, T[] w, T[] gx, ConvGeometry geometry)
    {
        var path = PathOf(geometry);
        int padH = geometry.DilationH * (geometry.KH - 1) - geometry.PadH, padW = geometry.DilationW * (geometry.KW - 1) - geometry.PadW;
        if (Fast && path != Path.Pointwise && geometry.StrideH == 1 && geometry.StrideW == 1 && padH >= 0 && padW >= 0)
        {
            // Stride 1: dL/dx is a convolution of gy with the flipped, channel-transposed weights, padded by d (K - 1) - p.
            var gt = new ConvGeometry(geometry.N, geometry.Cout, geometry.Ho, geometry.Wo, geometry.Cin, geometry.KH, geometry.KW, 1, 1, padH, padW, geometry.DilationH, geometry.DilationW, geometry.Groups);
            if (gt.Ho == geometry.H && gt.Wo == geometry.W)
            {
                var flipped = FlipWeights(w, geometry);
                try { Forward(gy, flipped, null, gx, gt); }
                finally { ArrayPool<T>.Shared.Return(flipped); }
                return;
            }
        }
        int plane = geometry.Ho * geometry.Wo, hw = geometry.H * geometry.W;
        int coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup, patch = geometry.PatchSize;
        bool gemmParallel = !BatchParallel(geometry);
        ForBatch(geometry, path == Path.Pointwise ? [] : [patch * plane], (start, end, buffers) =>
        {
            for (int n = start; n < end; n++)
            {
                if (path != Path.Pointwise) gx.AsSpan((int)((long)n * geometry.Cin * hw), geometry.Cin * hw).Clear();
                for (int gi = 0; gi < geometry.Groups; gi++)
                {
                    long gyOff = ((long)n * geometry.Cout + gi * coutG) * plane;
                    long gxOff = ((long)n * geometry.Cin + gi * cinG) * hw;
                    // W_g^T: (patch, coutG), stored (coutG, patch).
                    var wgT = new StridedMatrix<T>(w, (long)gi * coutG * patch, 1, patch);
                    var gyg = new StridedMatrix<T>(gy, gyOff, plane, 1);
                    if (path == Path.Pointwise)
                    {
                        CpuGemm<T>.Multiply(patch, plane, coutG, T.One, wgT, gyg, T.Zero, gx, gxOff, plane, gemmParallel);
                    }
                    else
                    {
                        CpuGemm<T>.Multiply(patch, plane, coutG, T.One, wgT, gyg, T.Zero, buffers[0], 0, plane, gemmParallel);
                        Im2ColKernels<T>.FoldAdd(buffers[0], gx, gxOff, geometry);
                    }
                }
            }
        });
    }

    // w: (Cout, Cin/G, KH, KW) -> (Cin, Cout/G, KH, KW) with both spatial axes reversed, per group. Rented: the caller
    // returns it.
    private static T[] FlipWeights(T[] w, ConvGeometry geometry)
    {
        int coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup, k = geometry.KH * geometry.KW;
        var flipped = ArrayPool<T>.Shared.Rent(geometry.Cout * cinG * k);
        for (int gi = 0; gi < geometry.Groups; gi++)
            for (int co = 0; co < coutG; co++)
                for (int ci = 0; ci < cinG; ci++)
                {
                    int src = ((gi * coutG + co) * cinG + ci) * k;
                    int dst = ((gi * cinG + ci) * coutG + co) * k;
                    for (int i = 0; i < k; i++) flipped[dst + k - 1 - i] = w[src + i];
                }
        return flipped;
    }

    /// <summary>
    /// gw = dL/dw = sum over the batch of gy_g @ col_g^T. x: (N, Cin, H, W), gy: (N, Cout, Ho, Wo), gw: (Cout, Cin/G, KH, KW),
    /// overwritten. Winograd's convs (<see cref="ConvWinograd{T}.AppliesToWeightGradient"/>) run its weight gradient,
    /// 1 x 1 stride-1 unpadded convs GEMMs on x itself, the rest <see cref="ConvWeightGrad{T}"/>; with
    /// <see cref="CpuKernelChoice.Gemm"/> every conv runs GEMMs on its unfolded col matrix.
    /// Each worker sums a contiguous slice of the batch into its own buffer (worker 0 into gw); the buffers are then
    /// added in worker order, so the result does not depend on scheduling.
    /// </summary>
    public static void BackwardWeight(T[] x, T[] gy, T[] gw, ConvGeometry geometry)
    {
        if (Fast && ConvWinograd<T>.AppliesToWeightGradient(geometry))
        {
            ConvWinograd<T>.WeightGradient(x, gy, gw, geometry);
            return;
        }
        var path = PathOf(geometry);
        if (path == Path.Padded || (Fast && path == Path.Unfold))
        {
            ConvWeightGrad<T>.Compute(x, gy, gw, geometry);
            return;
        }
        int plane = geometry.Ho * geometry.Wo, hw = geometry.H * geometry.W;
        int coutG = geometry.CoutPerGroup, cinG = geometry.CinPerGroup, patch = geometry.PatchSize;
        int gwLength = geometry.Cout * patch;
        bool batchParallel = BatchParallel(geometry);
        if (geometry.N == 0)
        {
            gw.AsSpan(0, gwLength).Clear();
            return;
        }
        int workers = batchParallel ? Math.Min(Environment.ProcessorCount, geometry.N) : 1;
        var partials = new T[]?[workers];

        void Worker(int worker)
        {
            int start = (int)((long)geometry.N * worker / workers), end = (int)((long)geometry.N * (worker + 1) / workers);
            var target = worker == 0 ? gw : partials[worker] = ArrayPool<T>.Shared.Rent(gwLength);
            var col = path == Path.Pointwise ? null : ArrayPool<T>.Shared.Rent(patch * plane);
            for (int n = start; n < end; n++)
            {
                // The worker's first sample overwrites its buffer; later ones accumulate.
                T beta = n == start ? T.Zero : T.One;
                for (int gi = 0; gi < geometry.Groups; gi++)
                {
                    long gyOff = ((long)n * geometry.Cout + gi * coutG) * plane;
                    long xOff = ((long)n * geometry.Cin + gi * cinG) * hw;
                    // col^T: (plane, patch); for 1 x 1 convs col is x_g itself, else the unfolded (patch, plane) matrix.
                    var colT = new StridedMatrix<T>(x, xOff, 1, hw);
                    if (col is not null)
                    {
                        Im2ColKernels<T>.Unfold(x, xOff, geometry, col);
                        colT = new StridedMatrix<T>(col, 0, 1, plane);
                    }
                    CpuGemm<T>.Multiply(coutG, patch, plane, T.One, new StridedMatrix<T>(gy, gyOff, plane, 1),
                        colT, beta, target, (long)gi * coutG * patch, patch, !batchParallel);
                }
            }
            if (col is not null) ArrayPool<T>.Shared.Return(col);
        }

        if (workers == 1) Worker(0);
        else CpuParallel.For(workers, 1, (start, end) =>
        {
            for (long worker = start; worker < end; worker++) Worker((int)worker);
        });

        for (int worker = 1; worker < workers; worker++)
        {
            var partial = partials[worker]!;
            Add(partial.AsSpan(0, gwLength), gw.AsSpan(0, gwLength));
            ArrayPool<T>.Shared.Return(partial);
        }
    }

    /// <summary>dst += src, SIMD.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Add(ReadOnlySpan<T> src, Span<T> dst)
    {
        int i = 0, w = Vector<T>.Count;
        for (; i + w <= src.Length; i += w)
            (new Vector<T>(dst[i..]) + new Vector<T>(src[i..])).CopyTo(dst[i..]);
        for (; i < src.Length; i++) dst[i] += src[i];
    }
}
