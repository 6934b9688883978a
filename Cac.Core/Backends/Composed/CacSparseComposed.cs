namespace Cac;

/// <summary>
/// The sparse CAC convolution composed from the fine-grained CAC kernels and <see cref="IBackend.Gemm"/>: how a
/// device backend implements <see cref="IBackend.CacSparseForward"/> and <see cref="IBackend.CacSparseBackward"/>
/// (GpuBackend.CacSparseForward); the CPU backend's fused register kernel (CpuCacSparse) computes the same per sample. The whole batch is handled at once: the P sharp windows are
/// gathered into columns (Cin/G*k*k, P) per group and multiplied by W in one GEMM per group; the Q smooth windows'
/// sample pixels (Cin/G, Q) go through one 1 x 1 GEMM per group with w_phi; results are scattered by position.
/// Scratch buffers come from <see cref="CacWorkspace"/>.
/// </summary>
public static class CacSparseComposed
{
    /// <summary>See <see cref="IBackend.CacSparseForward"/>.</summary>
    public static void Forward(IBackend backend, Storage x, Storage w, Storage wPhi, Storage? bias, Storage order, int sharp, Storage y,
        ConvGeometry geometry, CacSamplePoint point)
    {
        int positions = geometry.Ho * geometry.Wo, smooth = geometry.N * positions - sharp;
        var outCols = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.OutputColumns, (long)geometry.Cout * Math.Max(sharp, smooth));
        if (sharp > 0) ForwardWindows(backend, x, w, bias, order, sharp, y, geometry, outCols);
        if (smooth > 0)
        {
            var points = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.Points, (long)geometry.Cin * smooth);
            backend.CacGatherPoints(x, order, sharp, smooth, points, geometry, point);                                 // (Cin, Q)
            GroupGemm(backend, geometry, false, false, geometry.CoutPerGroup, smooth, geometry.CinPerGroup, wPhi, points, outCols);  // (Cout, Q)
            backend.CacScatterColumns(outCols, bias, order, sharp, smooth, y, geometry.Cout, positions);
        }
    }

    /// <summary>See <see cref="IBackend.CacSparseBackward"/>.</summary>
    public static void Backward(IBackend backend, Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp,
        Storage? gx, Storage? gw, ConvGeometry geometry, CacSamplePoint point)
    {
        int positions = geometry.Ho * geometry.Wo, smooth = geometry.N * positions - sharp;
        if (gx is not null) backend.Fill(gx, 0);
        if (gw is not null) backend.Fill(gw, 0);
        if (gx is null && gw is null) return;
        var gyCols = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.OutputColumns, (long)geometry.Cout * Math.Max(sharp, smooth));
        if (sharp > 0) BackwardWindows(backend, x, w, gy, order, sharp, gx, gw, geometry, gyCols);
        if (smooth > 0)
        {
            backend.CacGatherColumns(gy, order, sharp, smooth, gyCols, geometry.Cout, positions);                       // (Cout, Q)
            var points = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.Points, (long)geometry.Cin * smooth);
            if (gw is not null)
            {
                backend.CacGatherPoints(x, order, sharp, smooth, points, geometry, point);                              // (Cin, Q)
                var gwPhi = backend.Allocate(x.DType, (long)geometry.Cout * geometry.CinPerGroup);
                GroupGemm(backend, geometry, false, true, geometry.CoutPerGroup, geometry.CinPerGroup, smooth, gyCols, points, gwPhi);
                backend.CacSpreadTaps(gwPhi, gw, geometry.Cout * geometry.CinPerGroup, geometry.KH * geometry.KW);
                gwPhi.Dispose();
            }
            if (gx is not null)
            {
                GroupGemm(backend, geometry, true, false, geometry.CinPerGroup, smooth, geometry.CoutPerGroup, wPhi, gyCols, points); // w_phi^T gy_Q
                backend.CacScatterPoints(points, order, sharp, smooth, gx, geometry, point);
            }
        }
    }

    /// <summary>
    /// The full k x k convolution at the first <paramref name="count"/> positions of <paramref name="order"/> only: their
    /// windows gathered into columns (Cin/G*k*k, count) per group, one GEMM per group with w, the results (plus bias)
    /// scattered into y (N, Cout, Ho, Wo); other positions of y are left untouched. The sharp half of
    /// <see cref="Forward"/>, and the whole of a region convolution (<see cref="Ops.RegionConv2d"/>).
    /// <paramref name="outCols"/>: scratch of at least Cout * count elements, or null to take it from the workspace.
    /// </summary>
    public static void ForwardWindows(IBackend backend, Storage x, Storage w, Storage? bias, Storage order, int count, Storage y,
        ConvGeometry geometry, Storage? outCols = null)
    {
        outCols ??= CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.OutputColumns, (long)geometry.Cout * count);
        var cols = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.Columns, (long)geometry.Groups * geometry.PatchSize * count);
        backend.CacGatherWindows(x, order, 0, count, cols, geometry);                                              // (Cin*k*k, P)
        GroupGemm(backend, geometry, false, false, geometry.CoutPerGroup, count, geometry.PatchSize, w, cols, outCols);          // (Cout, P)
        backend.CacScatterColumns(outCols, bias, order, 0, count, y, geometry.Cout, geometry.Ho * geometry.Wo);
    }

    /// <summary>
    /// The adjoint of <see cref="ForwardWindows"/> from gy (N, Cout, Ho, Wo): gw (Cout, Cin/G, k, k) += gy_P cols^T and
    /// gx (N, Cin, H, W) += col2im(W^T gy_P), each accumulated, or skipped when null. <paramref name="gyCols"/>: scratch of
    /// at least Cout * count elements, or null to take it from the workspace.
    /// </summary>
    public static void BackwardWindows(IBackend backend, Storage x, Storage w, Storage gy, Storage order, int count,
        Storage? gx, Storage? gw, ConvGeometry geometry, Storage? gyCols = null)
    {
        gyCols ??= CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.OutputColumns, (long)geometry.Cout * count);
        backend.CacGatherColumns(gy, order, 0, count, gyCols, geometry.Cout, geometry.Ho * geometry.Wo);            // (Cout, P)
        var cols = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.Columns, (long)geometry.Groups * geometry.PatchSize * count);
        if (gw is not null)
        {
            backend.CacGatherWindows(x, order, 0, count, cols, geometry);                                           // (Cin*k*k, P)
            GroupGemm(backend, geometry, false, true, geometry.CoutPerGroup, geometry.PatchSize, count, gyCols, cols, gw, 1.0);   // += gy_P cols^T
        }
        if (gx is not null)
        {
            GroupGemm(backend, geometry, true, false, geometry.PatchSize, count, geometry.CoutPerGroup, w, gyCols, cols);         // W^T gy_P
            backend.CacScatterWindows(cols, order, 0, count, gx, geometry);
        }
    }

    // One GEMM per group: C_gr (m, n) = op(A_gr) op(B_gr) + beta C_gr, each operand the gr-th of Groups equal consecutive blocks.
    // beta 0 overwrites C, 1 accumulates into it.
    private static void GroupGemm(IBackend backend, ConvGeometry geometry, bool transA, bool transB, int m, int n, int k,
        Storage a, Storage b, Storage c, double beta = 0.0)
    {
        for (int gr = 0; gr < geometry.Groups; gr++)
            backend.Gemm(transA, transB, m, n, k, 1.0, a, (long)gr * m * k, b, (long)gr * k * n, beta, c, (long)gr * m * n);
    }
}
