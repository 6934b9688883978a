using Cac.Models;
using Cac.Models.ResNet;
using Cac.Nn;
using Cac.Testing;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.Nn;

/// <summary>Gradient checks of the octave modules in float64, with respect to both input parts and every parameter.</summary>
[Trait("Category", "GradCheck")]
public class OctaveGradTests
{
    // Projects both output parts (concatenated after flattening) so one check covers Y_H and Y_L.
    private static Tensor Both(OctaveTensor y) =>
        y.Low is null ? y.High : Ops.Concat([Ops.Flatten(y.High, 0), Ops.Flatten(y.Low, 0)], 0);

    private static void CheckOctave(OctaveModule module, Tensor xh, Tensor? xl)
    {
        module.ToDouble();
        var inputs = new List<Tensor> { xh };
        if (xl is not null) inputs.Add(xl);
        inputs.AddRange(module.Parameters());
        var x = new OctaveTensor(xh, xl);
        var result = GradCheck.Check(() => Both(module.Forward(x)), inputs);
        result.Passed.Should().BeTrue(result.Report);
    }

    [Fact]
    public void First_layer_alpha_in_0_to_half()
    {
        // 4 -> 4 channels: input high 4; output high 2, low 2.
        CheckOctave(new OctaveConv2d(4, 4, 3, alphaIn: 0, alphaOut: 0.5, padding: 1, generator: new Generator(1)), RandD(2, 2, 4, 4, 4), null);
    }

    [Fact]
    public void Half_to_half_stride_1()
    {
        CheckOctave(new OctaveConv2d(4, 4, 3, padding: 1, generator: new Generator(3)), RandD(4, 2, 2, 4, 4), RandD(5, 2, 2, 2, 2));
    }

    [Fact]
    public void Half_to_half_stride_2()
    {
        CheckOctave(new OctaveConv2d(4, 4, 3, stride: 2, padding: 1, generator: new Generator(6)), RandD(7, 2, 2, 4, 4), RandD(8, 2, 2, 2, 2));
    }

    [Fact]
    public void Last_layer_half_to_alpha_out_0()
    {
        CheckOctave(new OctaveConv2d(4, 3, 3, alphaIn: 0.5, alphaOut: 0, padding: 1, generator: new Generator(9)), RandD(10, 2, 2, 4, 4), RandD(11, 2, 2, 2, 2));
    }

    [Fact]
    public void Path_bias_gradients()
    {
        CheckOctave(new OctaveConv2d(4, 4, 3, stride: 2, padding: 1, bias: true, generator: new Generator(12)), RandD(13, 1, 2, 4, 4), RandD(14, 1, 2, 2, 2));
    }

    [Fact]
    public void Octave_basic_block_with_projection_in_training_mode()
    {
        // 4 -> 4 channels, stride 2, split 0.5 -> 0.5: both shortcut parts project; BN in training mode per part.
        var block = new OctaveBasicBlock(4, 4, 2, 0.5, 0.5, new ConvFactory(ConvType.Octave, new Generator(15)));
        CheckOctave(block, RandD(16, 2, 2, 8, 8), RandD(17, 2, 2, 4, 4));
    }
}
