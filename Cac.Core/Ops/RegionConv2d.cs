namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// Region convolution (Li et al., "Not All Pixels Are Equal: Difficulty-aware Semantic Segmentation via Deep Layer
    /// Cascade", CVPR 2017): the convolution of <see cref="Conv2d"/> computed only at the output positions where
    /// <paramref name="region"/> (N, 1, Ho, Wo), in x's dtype, is &gt; 0, and zero elsewhere (bias included). It runs
    /// the sharp half of the sparse content-aware convolution (<see cref="CacSparseComposed.ForwardWindows"/>: the
    /// region's windows gathered into columns, one GEMM, scattered back), so its cost is the dense convolution's times the
    /// region's share of positions. The region is a constant: no gradient flows to it. A full region is the dense
    /// convolution; an empty one gives zeros.
    /// </summary>
    public static Tensor RegionConv2d(Tensor x, Tensor weight, Tensor? bias, Tensor region, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1)
    {
        const string op = "region_conv2d";
        var geometry = ConvArguments.Check(op, x, weight, bias, stride, padding, dilation, groups);
        RequireCompatible(op, x, region);
        if (region.Rank != 4 || region.Dims[0] != geometry.N || region.Dims[1] != 1 || region.Dims[2] != geometry.Ho || region.Dims[3] != geometry.Wo)
            throw new ArgumentException($"{op}: region must be ({geometry.N}, 1, {geometry.Ho}, {geometry.Wo}) for input {Shape.Format(x.Dims)}, got {Shape.Format(region.Dims)}");

        var backend = x.Backend;
        int total = checked(geometry.N * geometry.Ho * geometry.Wo);
        var order = Tensor.Zeros([total], DType.Int32, x.Device);        // the region's positions first, ascending
        int count = backend.CacPartition(region.Storage, total, order.Storage);
        if (count == total) return Conv2d(x, weight, bias, stride, padding, dilation, groups);
        var y = Tensor.Zeros([geometry.N, geometry.Cout, geometry.Ho, geometry.Wo], x.DType, x.Device);
        if (count == 0) return y;
        CacSparseComposed.ForwardWindows(backend, x.Storage, weight.Storage, bias?.Storage, order.Storage, count, y.Storage, geometry);

        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Autograd.Record(op, y, inputs, gy =>
        {
            var gx = x.RequiresGrad ? Tensor.Zeros(x.Shape, x.DType, x.Device) : null;
            var gw = weight.RequiresGrad ? Tensor.Zeros(weight.Shape, weight.DType, weight.Device) : null;
            CacSparseComposed.BackwardWindows(backend, x.Storage, weight.Storage, gy.Storage, order.Storage, count, gx?.Storage, gw?.Storage, geometry);
            // gbias: gy over the region, summed over N, Ho and Wo.
            var gb = bias is { RequiresGrad: true } ? Sum(Mul(gy, region), [0, 2, 3]) : null;
            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }
}
