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
        if (sharp > 0)
        {
            var cols = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.Columns, (long)geometry.Groups * geometry.PatchSize * sharp);
            backend.CacGatherWindows(x, order, 0, sharp, cols, geometry);                                              // (Cin*k*k, P)
            GroupGemm(backend, geometry, false, false, geometry.CoutPerGroup, sharp, geometry.PatchSize, w, cols, outCols);          // (Cout, P)
            backend.CacScatterColumns(outCols, bias, order, 0, sharp, y, geometry.Cout, positions);
        }
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
        if (sharp > 0)
        {
            backend.CacGatherColumns(gy, order, 0, sharp, gyCols, geometry.Cout, positions);                            // (Cout, P)
            var cols = CacWorkspace.Get(backend, x.DType, CacWorkspace.Slot.Columns, (long)geometry.Groups * geometry.PatchSize * sharp);
            if (gw is not null)
            {
                backend.CacGatherWindows(x, order, 0, sharp, cols, geometry);                                           // (Cin*k*k, P)
                GroupGemm(backend, geometry, false, true, geometry.CoutPerGroup, geometry.PatchSize, sharp, gyCols, cols, gw);        // gy_S cols^T
            }
            if (gx is not null)
            {
                GroupGemm(backend, geometry, true, false, geometry.PatchSize, sharp, geometry.CoutPerGroup, w, gyCols, cols);         // W^T gy_S
                backend.CacScatterWindows(cols, order, 0, sharp, gx, geometry);
            }
        }
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

    // One GEMM per group: C_gr (m, n) = op(A_gr) op(B_gr), each operand the gr-th of Groups equal consecutive blocks.
    private static void GroupGemm(IBackend backend, ConvGeometry geometry, bool transA, bool transB, int m, int n, int k,
        Storage a, Storage b, Storage c)
    {
        for (int gr = 0; gr < geometry.Groups; gr++)
            backend.Gemm(transA, transB, m, n, k, 1.0, a, (long)gr * m * k, b, (long)gr * k * n, 0.0, c, (long)gr * m * n);
    }
}
