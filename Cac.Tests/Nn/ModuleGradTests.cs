using Cac.Nn;
using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Nn;

/// <summary>Gradient checks of the modules in float64, with respect to the input and every parameter.</summary>
[Trait("Category", "GradCheck")]
public class ModuleGradTests
{
    // Converts the module to float64 and checks d(output)/d(input and every parameter).
    private static void CheckModule(Module module, Tensor x)
    {
        module.ToDouble();
        var inputs = new List<Tensor> { x };
        inputs.AddRange(module.Parameters());
        var result = GradCheck.Check(() => module.Forward(x), inputs);
        result.Passed.Should().BeTrue(result.Report);
    }

    [Fact]
    public void Linear_with_and_without_bias()
    {
        CheckModule(new Linear(4, 3, generator: new Generator(1)), RandD(2, 2, 4));
        CheckModule(new Linear(4, 3, bias: false, generator: new Generator(3)), RandD(4, 2, 4));
    }

    [Fact]
    public void Conv2d_with_stride_padding_and_bias()
    {
        var conv = new Conv2d(2, 3, 3, stride: 2, padding: 1, generator: new Generator(5));
        CheckModule(conv, RandD(6, 2, 2, 5, 5));
        conv.Parameters().Should().HaveCount(2);
    }

    [Fact]
    public void Conv2d_grouped_dilated_without_bias()
    {
        CheckModule(new Conv2d(4, 2, 3, padding: 2, dilation: 2, groups: 2, bias: false, generator: new Generator(7)), RandD(8, 1, 4, 4, 4));
    }

    [Fact]
    public void BatchNorm2d_in_training_mode()
    {
        var bn = new BatchNorm2d(3);
        // Non-trivial affine parameters so that their gradients are exercised away from 1 and 0.
        bn.Weight.CopyFrom(Tensor.FromArray([0.5f, 1.5f, -1f], [3]));
        bn.Bias.CopyFrom(Tensor.FromArray([0.1f, -0.2f, 0.3f], [3]));
        CheckModule(bn, RandD(9, 2, 3, 2, 2));
    }

    [Fact]
    public void BatchNorm2d_in_eval_mode()
    {
        var bn = new BatchNorm2d(2);
        bn.RunningMean.CopyFrom(Tensor.FromArray([0.3f, -0.4f], [2]));
        bn.RunningVar.CopyFrom(Tensor.FromArray([2f, 0.5f], [2]));
        bn.Eval();
        CheckModule(bn, RandD(10, 2, 2, 3, 3));
    }

    [Fact]
    public void Sequential_conv_bn_relu_maxpool()
    {
        var rng = new Generator(11);
        var net = new Sequential(new Conv2d(2, 3, 3, padding: 1, generator: rng), new BatchNorm2d(3), new ReLU(), new MaxPool2d(2));
        CheckModule(net, RandD(12, 2, 2, 4, 4));
    }

    [Fact]
    public void AvgPool2d_with_padding()
    {
        CheckModule(new AvgPool2d(3, stride: 2, padding: 1), RandD(13, 2, 2, 5, 5));
    }

    [Fact]
    public void AdaptiveAvgPool2d_uneven_bins()
    {
        CheckModule(new AdaptiveAvgPool2d(2, 3), RandD(14, 2, 2, 5, 7));
    }

    [Fact]
    public void Dropout_in_training_mode_with_a_fixed_mask()
    {
        // The checker runs the module many times: a fresh generator per call keeps the mask fixed.
        var x = RandD(15, 2, 3, 4);
        var result = GradCheck.Check(() => new Dropout(0.4, new Generator(16)).Forward(x), [x]);
        result.Passed.Should().BeTrue(result.Report);
        // The mask is not trivial.
        var y = new Dropout(0.4, new Generator(16)).Forward(x).ToDoubleArray();
        y.Should().Contain(0.0);
        y.Count(v => v != 0).Should().BeGreaterThan(0);
    }

    [Fact]
    public void Dropout_in_eval_mode_is_the_identity()
    {
        var x = RandD(17, 2, 3);
        var dropout = new Dropout(0.9, new Generator(1));
        dropout.Eval();
        dropout.Forward(x).ToDoubleArray().Should().Equal(x.ToDoubleArray());
        CheckModule(dropout, x);
    }

    [Fact]
    public void Upsample_nearest_by_scale_and_bilinear_to_a_size()
    {
        var up = new Upsample(2);
        up.Forward(RandD(18, 1, 2, 3, 3)).Shape.Should().Equal(1, 2, 6, 6);
        CheckModule(up, RandD(19, 1, 2, 3, 3));
        CheckModule(new Upsample(5, 4, UpsampleMode.Bilinear), RandD(20, 1, 2, 3, 3));
    }

    [Fact]
    public void Identity_and_flatten()
    {
        var x = RandD(21, 2, 3, 2);
        new Identity().Forward(x).Should().BeSameAs(x);
        CheckModule(new Identity(), x);
        var flatten = new Flatten();
        flatten.Forward(x).Shape.Should().Equal(2, 6);
        CheckModule(flatten, x);
        new Flatten(0).Forward(x).Shape.Should().Equal(12);
    }

    [Fact]
    public void Conv2d_passes_its_hyper_parameters_to_the_op()
    {
        var x = Tensor.Ones([1, 2, 5, 5]);
        new Conv2d(2, 3, 3, stride: 2, padding: 1, generator: new Generator(0)).Forward(x).Shape.Should().Equal(1, 3, 3, 3);
        new Conv2d(2, 4, 3, padding: 2, dilation: 2, groups: 2, generator: new Generator(0)).Forward(x).Shape.Should().Equal(1, 4, 5, 5);
    }

    [Fact]
    public void Pooling_and_resizing_modules_pass_their_hyper_parameters_to_the_ops()
    {
        var x = Tensor.Ones([1, 2, 5, 5]);
        new MaxPool2d(3, stride: 2, padding: 1).Forward(x).Shape.Should().Equal(1, 2, 3, 3);
        new MaxPool2d(2).Forward(x).Shape.Should().Equal(1, 2, 2, 2);
        // On ones, a padded corner window averages 4 ones over 9 cells, or over 4 when padding is not counted.
        new AvgPool2d(3, 2, 1).Forward(x).ToFloatArray()[0].Should().BeApproximately(4f / 9, 1e-6f);
        new AvgPool2d(3, 2, 1, countIncludePad: false).Forward(x).ToFloatArray()[0].Should().BeApproximately(1f, 1e-6f);
        new AdaptiveAvgPool2d(1).Forward(x).Shape.Should().Equal(1, 2, 1, 1);
        new Upsample(1.5).Forward(x).Shape.Should().Equal(1, 2, 7, 7);
    }
}
