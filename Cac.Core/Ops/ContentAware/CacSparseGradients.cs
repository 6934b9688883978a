namespace Cac;

public static partial class Ops
{
    // The backward of a sparse content-aware convolution, shared by ContentAwareConv2dSparse and ContentAwareConv2dFused.
    // gy, y: (N, Cout, Ho, Wo); gate: (N, 1, Ho, Wo), > 0 exactly at the sharp windows (the score, or the hard mask);
    // order: the windows partitioned by gate, sharp first (null: partitioned again from gate when needed); sharp: their count.
    // Returns gx and gw (exact: the standard convolution's when every window is sharp, else IBackend.CacSparseBackward, with
    // w_phi's gradient spread to every tap), gScore (N, 1, Ho, Wo), the straight-through gradient of the score
    // (IBackend.CacScoreGrad, when scoreGrad), and gBias (Cout). Each is null where its input needs no gradient.
    private static (Tensor? Gx, Tensor? Gw, Tensor? GScore, Tensor? GBias) CacSparseGradients(Tensor gy, Tensor x, Tensor weight,
        Tensor? bias, Tensor wPhi, Tensor y, Tensor gate, Tensor? order, int sharp, ConvGeometry geometry, CacSamplePoint point, bool scoreGrad)
    {
        var backend = x.Backend;
        int positions = geometry.Ho * geometry.Wo;
        long total = (long)geometry.N * positions;
        var gx = x.RequiresGrad ? Empty(x, x.Shape) : null;
        var gw = weight.RequiresGrad ? Empty(weight, weight.Shape) : null;
        if (sharp == total)
        {
            if (gx is not null) backend.Conv2dBackwardInput(gy.Storage, weight.Storage, gx.Storage, geometry);
            if (gw is not null) backend.Conv2dBackwardWeight(x.Storage, gy.Storage, gw.Storage, geometry);
        }
        else if (gx is not null || gw is not null)
        {
            if (order is null)
            {
                order = Tensor.Zeros([checked((int)total)], DType.Int32, x.Device);     // sharp positions, then smooth
                backend.CacPartition(gate.Storage, total, order.Storage);
            }
            backend.CacSparseBackward(x.Storage, weight.Storage, wPhi.Storage, gy.Storage, order.Storage, sharp, gx?.Storage, gw?.Storage, geometry, point);
        }
        Tensor? gScore = null;
        if (scoreGrad)
        {
            gScore = Empty(gate, gate.Shape);
            backend.CacScoreGrad(gy.Storage, y.Storage, gate.Storage, gScore.Storage, geometry.N, geometry.Cout, positions);
        }
        var gBias = bias is { RequiresGrad: true } ? SumTo(gy, [1, geometry.Cout, 1, 1]).Reshape(geometry.Cout) : null;
        return (gx, gw, gScore, gBias);
    }
}
