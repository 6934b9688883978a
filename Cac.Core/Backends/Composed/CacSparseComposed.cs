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
        ConvGeometry g, CacSamplePoint point)
    {
        int positions = g.Ho * g.Wo, smooth = g.N * positions - sharp;
        var outCols = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.OutputColumns, (long)g.Cout * Math.Max(sharp, smooth));
        if (sharp > 0)
        {
            var cols = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.Columns, (long)g.Groups * g.PatchSize * sharp);
            backend.CacGatherWindows(x, order, 0, sharp, cols, g);                                              // (Cin*k*k, P)
            GroupGemm(backend, g, false, false, g.CoutPerGroup, sharp, g.PatchSize, w, cols, outCols);          // (Cout, P)
            backend.CacScatterColumns(outCols, bias, order, 0, sharp, y, g.Cout, positions);
        }
        if (smooth > 0)
        {
            var points = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.Points, (long)g.Cin * smooth);
            backend.CacGatherPoints(x, order, sharp, smooth, points, g, point);                                 // (Cin, Q)
            GroupGemm(backend, g, false, false, g.CoutPerGroup, smooth, g.CinPerGroup, wPhi, points, outCols);  // (Cout, Q)
            backend.CacScatterColumns(outCols, bias, order, sharp, smooth, y, g.Cout, positions);
        }
    }

    /// <summary>See <see cref="IBackend.CacSparseBackward"/>.</summary>
    public static void Backward(IBackend backend, Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp,
        Storage? gx, Storage? gw, ConvGeometry g, CacSamplePoint point)
    {
        int positions = g.Ho * g.Wo, smooth = g.N * positions - sharp;
        if (gx is not null) backend.Fill(gx, 0);
        if (gw is not null) backend.Fill(gw, 0);
        if (gx is null && gw is null) return;
        var gyCols = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.OutputColumns, (long)g.Cout * Math.Max(sharp, smooth));
        if (sharp > 0)
        {
            backend.CacGatherColumns(gy, order, 0, sharp, gyCols, g.Cout, positions);                            // (Cout, P)
            var cols = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.Columns, (long)g.Groups * g.PatchSize * sharp);
            if (gw is not null)
            {
                backend.CacGatherWindows(x, order, 0, sharp, cols, g);                                           // (Cin*k*k, P)
                GroupGemm(backend, g, false, true, g.CoutPerGroup, g.PatchSize, sharp, gyCols, cols, gw);        // gy_S cols^T
            }
            if (gx is not null)
            {
                GroupGemm(backend, g, true, false, g.PatchSize, sharp, g.CoutPerGroup, w, gyCols, cols);         // W^T gy_S
                backend.CacScatterWindows(cols, order, 0, sharp, gx, g);
            }
        }
        if (smooth > 0)
        {
            backend.CacGatherColumns(gy, order, sharp, smooth, gyCols, g.Cout, positions);                       // (Cout, Q)
            var points = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.Points, (long)g.Cin * smooth);
            if (gw is not null)
            {
                backend.CacGatherPoints(x, order, sharp, smooth, points, g, point);                              // (Cin, Q)
                var gwPhi = backend.Allocate(x.DType, (long)g.Cout * g.CinPerGroup);
                GroupGemm(backend, g, false, true, g.CoutPerGroup, g.CinPerGroup, smooth, gyCols, points, gwPhi);
                backend.CacSpreadTaps(gwPhi, gw, g.Cout * g.CinPerGroup, g.KH * g.KW);
                gwPhi.Dispose();
            }
            if (gx is not null)
            {
                GroupGemm(backend, g, true, false, g.CinPerGroup, smooth, g.CoutPerGroup, wPhi, gyCols, points); // w_phi^T gy_Q
                backend.CacScatterPoints(points, order, sharp, smooth, gx, g, point);
            }
        }
    }

    // One GEMM per group: C_gr (m, n) = op(A_gr) op(B_gr), each operand the gr-th of Groups equal consecutive blocks.
    private static void GroupGemm(IBackend backend, ConvGeometry g, bool transA, bool transB, int m, int n, int k,
        Storage a, Storage b, Storage c)
    {
        for (int gr = 0; gr < g.Groups; gr++)
            backend.Gemm(transA, transB, m, n, k, 1.0, a, (long)gr * m * k, b, (long)gr * k * n, 0.0, c, (long)gr * m * n);
    }
}
