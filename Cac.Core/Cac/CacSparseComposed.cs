namespace Cac;

/// <summary>
/// The sparse CAC convolution composed from the fine-grained CAC kernels and <see cref="IBackend.Gemm"/>: the
/// default implementation of <see cref="IBackend.CacSparseForward"/> and <see cref="IBackend.CacSparseBackward"/>
/// for a backend that provides only the building blocks. The whole batch is handled at once: the P sharp windows are
/// gathered into columns (Cin/G*k*k, P) per group and multiplied by W in one GEMM per group; the Q smooth windows'
/// sample pixels (Cin/G, Q) go through one 1 x 1 GEMM per group with w_phi; results are scattered by position.
/// Scratch buffers come from <see cref="CacWorkspace"/>.
/// </summary>
internal static class CacSparseComposed
{
    /// <summary>See <see cref="IBackend.CacSparseForward"/>.</summary>
    public static void Forward(IBackend be, Storage x, Storage w, Storage wPhi, Storage? bias, Storage order, int sharp, Storage y,
        ConvGeometry g, CacSamplePoint point)
    {
        int positions = g.Ho * g.Wo, smooth = g.N * positions - sharp;
        var outCols = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.OutputColumns, (long)g.Cout * Math.Max(sharp, smooth));
        if (sharp > 0)
        {
            var cols = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.Columns, (long)g.Groups * g.PatchSize * sharp);
            be.CacGatherWindows(x, order, 0, sharp, cols, g);                                              // (Cin*k*k, P)
            GroupGemm(be, g, false, false, g.CoutPerGroup, sharp, g.PatchSize, w, cols, outCols);          // (Cout, P)
            be.CacScatterColumns(outCols, bias, order, 0, sharp, y, g.Cout, positions);
        }
        if (smooth > 0)
        {
            var points = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.Points, (long)g.Cin * smooth);
            be.CacGatherPoints(x, order, sharp, smooth, points, g, point);                                 // (Cin, Q)
            GroupGemm(be, g, false, false, g.CoutPerGroup, smooth, g.CinPerGroup, wPhi, points, outCols);  // (Cout, Q)
            be.CacScatterColumns(outCols, bias, order, sharp, smooth, y, g.Cout, positions);
        }
    }

    /// <summary>See <see cref="IBackend.CacSparseBackward"/>.</summary>
    public static void Backward(IBackend be, Storage x, Storage w, Storage wPhi, Storage gy, Storage order, int sharp,
        Storage? gx, Storage? gw, ConvGeometry g, CacSamplePoint point)
    {
        int positions = g.Ho * g.Wo, smooth = g.N * positions - sharp;
        if (gx is not null) be.Fill(gx, 0);
        if (gw is not null) be.Fill(gw, 0);
        if (gx is null && gw is null) return;
        var gyCols = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.OutputColumns, (long)g.Cout * Math.Max(sharp, smooth));
        if (sharp > 0)
        {
            be.CacGatherColumns(gy, order, 0, sharp, gyCols, g.Cout, positions);                            // (Cout, P)
            var cols = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.Columns, (long)g.Groups * g.PatchSize * sharp);
            if (gw is not null)
            {
                be.CacGatherWindows(x, order, 0, sharp, cols, g);                                           // (Cin*k*k, P)
                GroupGemm(be, g, false, true, g.CoutPerGroup, g.PatchSize, sharp, gyCols, cols, gw);        // gy_S cols^T
            }
            if (gx is not null)
            {
                GroupGemm(be, g, true, false, g.PatchSize, sharp, g.CoutPerGroup, w, gyCols, cols);         // W^T gy_S
                be.CacScatterWindows(cols, order, 0, sharp, gx, g);
            }
        }
        if (smooth > 0)
        {
            be.CacGatherColumns(gy, order, sharp, smooth, gyCols, g.Cout, positions);                       // (Cout, Q)
            var points = CacWorkspace.Get(be, x.DType, CacWorkspace.Slot.Points, (long)g.Cin * smooth);
            if (gw is not null)
            {
                be.CacGatherPoints(x, order, sharp, smooth, points, g, point);                              // (Cin, Q)
                var gwPhi = be.Allocate(x.DType, (long)g.Cout * g.CinPerGroup);
                GroupGemm(be, g, false, true, g.CoutPerGroup, g.CinPerGroup, smooth, gyCols, points, gwPhi);
                be.CacSpreadTaps(gwPhi, gw, g.Cout * g.CinPerGroup, g.KH * g.KW);
                gwPhi.Dispose();
            }
            if (gx is not null)
            {
                GroupGemm(be, g, true, false, g.CinPerGroup, smooth, g.CoutPerGroup, wPhi, gyCols, points); // w_phi^T gy_Q
                be.CacScatterPoints(points, order, sharp, smooth, gx, g, point);
            }
        }
    }

    // One GEMM per group: C_gr (m, n) = op(A_gr) op(B_gr), each operand the gr-th of Groups equal consecutive blocks.
    private static void GroupGemm(IBackend be, ConvGeometry g, bool transA, bool transB, int m, int n, int k,
        Storage a, Storage b, Storage c)
    {
        for (int gr = 0; gr < g.Groups; gr++)
            be.Gemm(transA, transB, m, n, k, 1.0, a, (long)gr * m * k, b, (long)gr * k * n, 0.0, c, (long)gr * m * n);
    }
}
