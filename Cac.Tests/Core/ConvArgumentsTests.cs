using Cac.Nn;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Core;

/// <summary>One validator for every convolution (Cac.Core/Ops/ConvArguments.cs): each op rejects a call in the same words, naming itself, the value and the shapes.</summary>
public class ConvArgumentsTests
{
    private static readonly Tensor Weight = Tensor.Zeros([3, 1, 3, 3]);   // Cout 3: not divisible by 2 groups

    public static TheoryData<string, Action> GroupMismatches()
    {
        var x = Tensor.Zeros([1, 2, 5, 5]);
        var score = Tensor.Zeros([1, 1, 5, 5]);
        var ones = Tensor.Ones([3]);
        return new()
        {
            { "conv2d", () => Ops.Conv2d(x, Weight, null, 1, 1, 1, 2) },
            { "conv2d_affine", () => Ops.Conv2dAffine(x, Weight, null, ones, ones, null, false, 1, 1, 1, 2) },
            { "cac_conv2d_sparse", () => Ops.ContentAwareConv2dSparse(x, Weight, null, score, 1, 1, 1, 2) },
            { "cac_conv2d_dense", () => Ops.ContentAwareConv2dDense(x, Weight, null, score, 1, 1, 1, 2) },
        };
    }

    [Theory]
    [MemberData(nameof(GroupMismatches))]
    public void Every_conv_op_names_itself_the_value_and_the_shapes(string op, Action call) =>
        call.Should().Throw<ArgumentException>().WithMessage(
            $"{op}: output channels 3 are not divisible by groups 2 (input (1, 2, 5, 5), weight (3, 1, 3, 3), stride=1, padding=1, dilation=1, groups=2)");

    [Fact]
    public void A_kernel_larger_than_the_padded_input_is_rejected_at_any_stride()
    {
        // H + 2p - (k - 1) - 1 = -1: with stride 2, (-1) / 2 + 1 would be a 1 x 1 output.
        var x = RandF(1, 1, 1, 2, 2);
        var w = RandF(2, 1, 1, 3, 3);
        var score = Tensor.Zeros([1, 1, 1, 1]);
        foreach (var call in new Action[] { () => Ops.Conv2d(x, w, null, 2), () => Ops.ContentAwareConv2dSparse(x, w, null, score, 2) })
            call.Should().Throw<ArgumentException>().WithMessage("*kernel 3x3 (dilation 1) is larger than the padded input 2x2*");
    }

    [Fact]
    public void Layers_check_their_hyper_parameters_with_the_same_rules()
    {
        ((Action)(() => new Conv2d(2, 3, 3, groups: 2))).Should().Throw<ArgumentException>().WithMessage("Conv2d: in_channels 2 and out_channels 3 must both be divisible by groups 2");
        ((Action)(() => new ContentAwareConv2d(2, 2, 3, stride: 0))).Should().Throw<ArgumentException>().WithMessage("ContentAwareConv2d: invalid hyper-parameters*stride=0*");
        ((Action)(() => new Conv2d(2, 2, 3, padding: -1))).Should().Throw<ArgumentException>().WithMessage("Conv2d: invalid hyper-parameters*padding=-1*");
    }
}
