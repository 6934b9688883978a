namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// The fast path of <see cref="ContentAwareConv2d"/>: positions are partitioned by score into P sharp and Q smooth
    /// (one Int32 list, sharp first, each ascending). Only the sharp windows are gathered into im2col columns
    /// (Cin/g*k*k, P) for the k x k GEMM, only the smooth windows' sample pixels (Cin/g, Q) into the 1 x 1 GEMM with
    /// w_phi, and both results are scattered into y by position (<see cref="IBackend.CacSparseForward"/>). The backward
    /// pass mirrors it (<see cref="IBackend.CacSparseBackward"/>): gW from the re-gathered columns and the gathered
    /// output gradient, gx by scatter-adding (col2im restricted to the sharp windows, plus the sample pixels),
    /// g(w_phi) spread to every tap. When every window is sharp it is the standard convolution.
    /// </summary>
    public static Tensor ContentAwareConv2dSparse(Tensor x, Tensor weight, Tensor? bias, Tensor score, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, CacSamplePoint point = CacSamplePoint.Centre)
    {
        const string op = "cac_conv2d_sparse";
        var geometry = CacConvGeometry(op, x, weight, bias, score, stride, padding, dilation, groups);
        var backend = x.Backend;
        int positions = geometry.Ho * geometry.Wo;
        int total = checked(geometry.N * positions);
        var order = Tensor.Zeros([total], DType.Int32, x.Device);                      // sharp positions, then smooth
        int sharp = backend.CacPartition(score.Storage, total, order.Storage);
        var wPhi = Empty(x, geometry.Cout, geometry.CinPerGroup);                                       // (Cout, Cin/g)
        backend.CacSumTaps(weight.Storage, wPhi.Storage, geometry.Cout * geometry.CinPerGroup, geometry.KH * geometry.KW);

        var y = Empty(x, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo);
        if (sharp == total) backend.Conv2dForward(x.Storage, weight.Storage, bias?.Storage, y.Storage, geometry);
        else backend.CacSparseForward(x.Storage, weight.Storage, wPhi.Storage, bias?.Storage, order.Storage, sharp, y.Storage, geometry, point);

        Tensor[] inputs = bias is null ? [x, weight, score] : [x, weight, score, bias];
        return Autograd.Record(op, y, inputs, gy =>
        {
            var (gx, gw, gScore, gBias) = CacSparseGradients(gy, x, weight, bias, wPhi, y, score, order, sharp, geometry, point, score.RequiresGrad);
            return bias is null ? [gx, gw, gScore] : [gx, gw, gScore, gBias];
        });
    }
}
