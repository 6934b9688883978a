namespace Cac;

public static partial class Ops
{
    /// <summary>ShuffleNet's channel shuffle: (N, g*k, H, W) viewed as (N, g, k, H, W), transposed to (N, k, g, H, W), flattened back.</summary>
    public static Tensor ChannelShuffle(Tensor x, int groups)
    {
        RequireRank(x, 4, "channel_shuffle", "(N, C, H, W)");
        int n = x.Dims[0], c = x.Dims[1], h = x.Dims[2], w = x.Dims[3];
        if (groups < 1 || c % groups != 0)
            throw new ArgumentException($"channel_shuffle: {c} channels of the input of shape {Shape.Format(x.Dims)} cannot be split into {groups} groups");
        // (N, g, k, H*W) -> (N, k, g, H*W): output channel j*g + i is input channel i*k + j. Reshape and
        // permute carry the gradient (the inverse permutation).
        var grouped = Reshape(x, n, groups, c / groups, h * w);
        return Reshape(Permute(grouped, 0, 2, 1, 3), n, c, h, w);
    }
}
