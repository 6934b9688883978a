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
/// algorithm); <see cref="CpuKernelChoice.Reference"/> runs <see cref="ConvReference"/> instead of all of this.
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

    private static Path PathOf(ConvGeometry g) =>
        !Fast ? Path.Unfold
        : g.KH == 1 && g.KW == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0 ? Path.Pointwise
        : PaddedImage.Applies(g) ? Path.Padded
        : Path.Unfold;

    private static bool BatchParallel(ConvGeometry g) => g.N >= Environment.ProcessorCount && Environment.ProcessorCount > 1;

    /// <summary>Runs body(nStart, nEnd, buffers) over the batch; each worker rents its own buffers of the given lengths.</summary>
    private static void ForBatch(ConvGeometry g, int[] lengths, Action<int, int, T[][]> body)
    {
        if (!BatchParallel(g)) WithBuffers(lengths, buffers => body(0, g.N, buffers));
        else CpuParallel.For(g.N, 1, (start, end) => WithBuffers(lengths, buffers => body((int)start, (int)end, buffers)));
    }

    private static void WithBuffers(int[] lengths, Action<T[][]> body)
    {
        var buffers = lengths.Select(length => ArrayPool<T>.Shared.Rent(Math.Max(length, 1))).ToArray();
        try { body(buffers); }
        finally { foreach (var b in buffers) ArrayPool<T>.Shared.Return(b); }
    }

    /// <summary>y = conv(x, w) + bias. x: (N, Cin, H, W), w: (Cout, Cin/G, KH, KW), bias: (Cout) or null, y: (N, Cout, Ho, Wo).</summary>
    public static void Forward(T[] x, T[] w, T[]? bias, T[] y, ConvGeometry g) => Forward(x, w, y, g, ConvEpilogue<T>.Bias(bias));

    /// <summary>
    /// y = epilogue(conv(x, w)) (see <see cref="ConvEpilogue{T}"/>). x: (N, Cin, H, W), w: (Cout, Cin/G, KH, KW), y: (N, Cout, Ho, Wo).
    /// The Winograd path applies the epilogue per output row as it copies the rows out, <see cref="ConvDirect{T}"/> in
    /// registers; the GEMM paths per sample after the GEMMs.
    /// </summary>
    public static void Forward(T[] x, T[] w, T[] y, ConvGeometry g, ConvEpilogue<T> epilogue)
    {
        if (CpuBackend.Kernels == CpuKernelChoice.Reference)
        {
            ConvReference.ForwardAffine(x, w, null, epilogue.Scale, epilogue.Shift, epilogue.Residual, epilogue.Relu, y, g);
            return;
        }
        if (Fast && ConvWinograd<T>.Applies(g))
        {
            ConvWinograd<T>.Forward(x, w, y, g, epilogue);
            return;
        }
        if (Fast && PathOf(g) != Path.Pointwise && ConvDirect<T>.Applies(g))
        {
            ConvDirect<T>.Forward(x, w, y, g, epilogue);
            return;
        }
        int plane = g.Ho * g.Wo, hw = g.H * g.W;
        int coutG = g.CoutPerGroup, cinG = g.CinPerGroup, patch = g.PatchSize;
        var path = PathOf(g);
        bool gemmParallel = !BatchParallel(g);
        int[] lengths = path == Path.Pointwise ? [] : [patch * plane];
        ForBatch(g, lengths, (start, end, buffers) =>
        {
            for (int n = start; n < end; n++)
            {
                for (int gi = 0; gi < g.Groups; gi++)
                {
                    long yOff = ((long)n * g.Cout + gi * coutG) * plane;
                    long xOff = ((long)n * g.Cin + gi * cinG) * hw;
                    var wg = new StridedMatrix<T>(w, (long)gi * coutG * patch, patch, 1);
                    StridedMatrix<T> b;
                    if (path == Path.Pointwise)
                    {
                        b = new StridedMatrix<T>(x, xOff, hw, 1);
                    }
                    else
                    {
                        Im2ColKernels<T>.Unfold(x, xOff, g, buffers[0]);
                        b = new StridedMatrix<T>(buffers[0], 0, plane, 1);
                    }
                    CpuGemm<T>.Multiply(coutG, plane, patch, T.One, wg, b, T.Zero, y, yOff, plane, gemmParallel);
                }
                // The sample's output is still in cache: bias, scale, residual and activation now.
                if (!epilogue.IsIdentity)
                    for (int co = 0; co < g.Cout; co++)
                    {
                        long index = ((long)n * g.Cout + co) * plane;
                        epilogue.Apply(y.AsSpan((int)index, plane), co, index);
                    }
            }
        });
    }

    /// <summary>gx = dL/dx. gy: (N, Cout, Ho, Wo), w: (Cout, Cin/G, KH, KW), gx: (N, Cin, H, W), overwritten.</summary>
    public static void BackwardInput(T[] gy, T[] w, T[] gx, ConvGeometry g)
    {
        if (CpuBackend.Kernels == CpuKernelChoice.Reference)
        {
            ConvReference.BackwardInput(gy, w, gx, g);
            return;
        }
        var path = PathOf(g);
        int padH = g.DilationH * (g.KH - 1) - g.PadH, padW = g.DilationW * (g.KW - 1) - g.PadW;
        if (Fast && path != Path.Pointwise && g.StrideH == 1 && g.StrideW == 1 && padH >= 0 && padW >= 0)
        {
            // Stride 1: dL/dx is a convolution of gy with the flipped, channel-transposed weights, padded by d (K - 1) - p.
            var gt = new ConvGeometry(g.N, g.Cout, g.Ho, g.Wo, g.Cin, g.KH, g.KW, 1, 1, padH, padW, g.DilationH, g.DilationW, g.Groups);
            if (gt.Ho == g.H && gt.Wo == g.W)
            {
                var flipped = FlipWeights(w, g);
                try { Forward(gy, flipped, null, gx, gt); }
                finally { ArrayPool<T>.Shared.Return(flipped); }
                return;
            }
        }
        int plane = g.Ho * g.Wo, hw = g.H * g.W;
        int coutG = g.CoutPerGroup, cinG = g.CinPerGroup, patch = g.PatchSize;
        bool gemmParallel = !BatchParallel(g);
        ForBatch(g, path == Path.Pointwise ? [] : [patch * plane], (start, end, buffers) =>
        {
            for (int n = start; n < end; n++)
            {
                if (path != Path.Pointwise) gx.AsSpan((int)((long)n * g.Cin * hw), g.Cin * hw).Clear();
                for (int gi = 0; gi < g.Groups; gi++)
                {
                    long gyOff = ((long)n * g.Cout + gi * coutG) * plane;
                    long gxOff = ((long)n * g.Cin + gi * cinG) * hw;
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
                        Im2ColKernels<T>.FoldAdd(buffers[0], gx, gxOff, g);
                    }
                }
            }
        });
    }

    // w: (Cout, Cin/G, KH, KW) -> (Cin, Cout/G, KH, KW) with both spatial axes reversed, per group. Rented: the caller
    // returns it.
    private static T[] FlipWeights(T[] w, ConvGeometry g)
    {
        int coutG = g.CoutPerGroup, cinG = g.CinPerGroup, k = g.KH * g.KW;
        var flipped = ArrayPool<T>.Shared.Rent(g.Cout * cinG * k);
        for (int gi = 0; gi < g.Groups; gi++)
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
    public static void BackwardWeight(T[] x, T[] gy, T[] gw, ConvGeometry g)
    {
        if (CpuBackend.Kernels == CpuKernelChoice.Reference)
        {
            ConvReference.BackwardWeight(x, gy, gw, g);
            return;
        }
        if (Fast && ConvWinograd<T>.AppliesToWeightGradient(g))
        {
            ConvWinograd<T>.WeightGradient(x, gy, gw, g);
            return;
        }
        var path = PathOf(g);
        if (path == Path.Padded || (Fast && path == Path.Unfold))
        {
            ConvWeightGrad<T>.Compute(x, gy, gw, g);
            return;
        }
        int plane = g.Ho * g.Wo, hw = g.H * g.W;
        int coutG = g.CoutPerGroup, cinG = g.CinPerGroup, patch = g.PatchSize;
        int gwLength = g.Cout * patch;
        bool batchParallel = BatchParallel(g);
        if (g.N == 0)
        {
            gw.AsSpan(0, gwLength).Clear();
            return;
        }
        int workers = batchParallel ? Math.Min(Environment.ProcessorCount, g.N) : 1;
        var partials = new T[]?[workers];

        void Worker(int worker)
        {
            int start = (int)((long)g.N * worker / workers), end = (int)((long)g.N * (worker + 1) / workers);
            var target = worker == 0 ? gw : partials[worker] = ArrayPool<T>.Shared.Rent(gwLength);
            var col = path == Path.Pointwise ? null : ArrayPool<T>.Shared.Rent(patch * plane);
            for (int n = start; n < end; n++)
            {
                // The worker's first sample overwrites its buffer; later ones accumulate.
                T beta = n == start ? T.Zero : T.One;
                for (int gi = 0; gi < g.Groups; gi++)
                {
                    long gyOff = ((long)n * g.Cout + gi * coutG) * plane;
                    long xOff = ((long)n * g.Cin + gi * cinG) * hw;
                    // col^T: (plane, patch); for 1 x 1 convs col is x_g itself, else the unfolded (patch, plane) matrix.
                    var colT = new StridedMatrix<T>(x, xOff, 1, hw);
                    if (col is not null)
                    {
                        Im2ColKernels<T>.Unfold(x, xOff, g, col);
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
