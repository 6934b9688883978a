using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Core.ShapeOpsTestUtil;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

public class ChannelShuffleTests
{
    // Channel c of (N, C, 2, 2) filled with 100 n + c; returns the channel order of the result per sample.
    private static int[][] ChannelOrder(int n, int c, int groups)
    {
        var data = new double[n * c * 4];
        for (int i = 0; i < data.Length; i++) data[i] = 100 * (i / (c * 4)) + i / 4 % c;
        var y = Ops.ChannelShuffle(Tensor.FromArray(data, [n, c, 2, 2]), groups);
        y.Shape.Should().Equal([n, c, 2, 2]);
        var v = y.ToDoubleArray();
        for (int i = 0; i < v.Length; i++) v[i].Should().Be(v[i / 4 * 4], "a channel stays one plane");
        return Enumerable.Range(0, n).Select(s => Enumerable.Range(0, c).Select(ch => (int)(v[(s * c + ch) * 4] - 100 * s)).ToArray()).ToArray();
    }

    [Fact]
    public void Six_channels_in_two_groups_interleave()
    {
        var order = ChannelOrder(2, 6, 2);
        order[0].Should().Equal([0, 3, 1, 4, 2, 5]);
        order[1].Should().Equal([0, 3, 1, 4, 2, 5]);
    }

    [Fact]
    public void Six_channels_in_three_groups_interleave()
    {
        ChannelOrder(1, 6, 3)[0].Should().Equal([0, 2, 4, 1, 3, 5]);
    }

    [Fact]
    public void One_group_is_the_identity()
    {
        ChannelOrder(1, 4, 1)[0].Should().Equal([0, 1, 2, 3]);
    }

    [Fact]
    [Trait("Category", "GradCheck")]
    public void Channel_shuffle_gradcheck()
    {
        var x = RandD(41, 2, 6, 2, 2);
        GradCheck.Check(() => Ops.ChannelShuffle(x, 3), [x]).Passed.Should().BeTrue();
    }

    [Fact]
    public void Errors_name_the_shapes()
    {
        FluentActions.Invoking(() => Ops.ChannelShuffle(Arange(1, 1, 6, 2, 2), 4)).Should().Throw<ArgumentException>().WithMessage("*channel_shuffle*6 channels*(1, 6, 2, 2)*4 groups*");
        FluentActions.Invoking(() => Ops.ChannelShuffle(Arange(1, 6, 2, 2), 2)).Should().Throw<ArgumentException>().WithMessage("*channel_shuffle*(6, 2, 2)*");
    }
}
