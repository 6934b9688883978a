namespace Cac;

public static partial class Ops
{
    // The task part of the sigmoid surrogate's score gradient, sparse: g[n, q] = sum over c of gy * (y_sharp - y_smooth) at
    // every window (n, q), before the sigmoid's slope. y holds each window's own path; the other path comes from one more
    // sparse forward with the partition turned around (the smooth windows, listed first, take the k x k convolution, the
    // sharp ones the 1 x 1), so y - other = (y_sharp - y_smooth) * (+1 sharp, -1 smooth) and CacScoreGrad's sign undoes
    // the second factor. gy, y: (N, Cout, Ho, Wo); mask: (N, 1, Ho, Wo), 1 = sharp; sharp: its count. Returns (N, 1, Ho, Wo).
    // Cost: the other path of every window, (1 - rho) of a dense convolution plus rho of a 1 x 1.
    private static Tensor CacSigmoidScoreGradient(Tensor gy, Tensor x, Tensor weight, Tensor? bias, Tensor wPhi, Tensor y,
        Tensor mask, int sharp, ConvGeometry geometry, CacSamplePoint point)
    {
        using var noGrad = Autograd.NoGrad();
        var backend = x.Backend;
        int positions = geometry.Ho * geometry.Wo;
        int total = checked(geometry.N * positions);
        var other = Empty(y, y.Shape);                                                    // (N, Cout, Ho, Wo)
        if (sharp == 0) backend.Conv2dForward(x.Storage, weight.Storage, bias?.Storage, other.Storage, geometry);
        else
        {
            var smoothFirst = Tensor.Zeros([total], DType.Int32, x.Device);                // smooth positions, then sharp
            int smooth = backend.CacPartition(Affine(mask, -1, 1).Storage, total, smoothFirst.Storage);
            backend.CacSparseForward(x.Storage, weight.Storage, wPhi.Storage, bias?.Storage, smoothFirst.Storage, smooth, other.Storage, geometry, point);
        }
        var gScore = Empty(mask, mask.Shape);
        backend.CacScoreGrad(gy.Storage, Sub(y, other).Storage, mask.Storage, gScore.Storage, geometry.N, geometry.Cout, positions);
        return gScore;
    }
}
