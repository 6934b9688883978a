namespace Cac;

/// <summary>
/// The forward of a content-aware layer (<see cref="IBackend.CacLayerForward"/>) composed from a backend's separate
/// kernels: the input score, the threshold, the step mask, the partition and the sparse convolution, each a kernel
/// launch over the whole batch. What a device backend runs (GpuBackend.CacLayerForward); the CPU backend fuses the
/// same steps per sample instead (CpuBackend.CacLayerForward).
/// </summary>
public static class CacLayerComposed
{
    /// <summary>See <see cref="IBackend.CacLayerForward"/>; returns the number of sharp windows.</summary>
    public static int Forward(IBackend backend, Storage x, Storage w, Storage wPhi, Storage? bias, Storage gamma, Storage beta,
        Storage scoreMap, Storage mask, Storage y, ConvGeometry geometry, CacSamplePoint point, int smooth)
    {
        var sg = new ConvGeometry(geometry.N, 1, geometry.H, geometry.W, 1, geometry.KH, geometry.KW, geometry.StrideH, geometry.StrideW, geometry.PadH, geometry.PadW, geometry.DilationH, geometry.DilationW, 1);
        backend.CacInputScore(x, geometry.Cin, scoreMap, sg, smooth);
        long total = (long)geometry.N * geometry.Ho * geometry.Wo;
        using var score = backend.Allocate(x.DType, total);
        using var order = backend.Allocate(DType.Int32, total);
        backend.ScaleShift(scoreMap, score, gamma, beta);                    // gamma * G + beta, read on the device
        backend.CacStep(score, mask);
        int sharp = backend.CacPartition(score, total, order);
        if (sharp == total) backend.Conv2dForward(x, w, bias, y, geometry);
        else backend.CacSparseForward(x, w, wPhi, bias, order, sharp, y, geometry, point);
        return sharp;
    }
}
