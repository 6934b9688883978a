namespace Cac;

public static partial class Ops
{
    /// <summary>ShuffleNet's channel shuffle: (N, g*k, H, W) viewed as (N, g, k, H, W), transposed to (N, k, g, H, W), flattened back.</summary>
    public static Tensor ChannelShuffle(Tensor x, int groups) =>
        throw new NotImplementedException("channel_shuffle: pending");
}
