using Cac.Adversarial;
using Cac.Nn;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Adversarial;

/// <summary>FGSM on a linear two-class model, where the attack has a closed form.</summary>
public class FgsmClosedFormTests
{
    // logits = (w . x, 0): for label 0 the cross-entropy falls as w . x grows, dL/dx = (p0 - 1) w points along -w; for
    // label 1, dL/dx = p0 w points along +w. FGSM is then clamp(x -+ eps sign(w), 0, 1), whatever the sizes of w and x.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Fgsm_on_a_linear_model_is_the_closed_form_sign_of_w_step(int label)
    {
        const int n = 3, c = 2, h = 4, w = 5, d = c * h * w;
        var weights = TestUtil.RandF(11, 1, d).ToFloatArray();
        weights[3] = 0; // sign 0: the pixel does not move
        var linear = new Linear(d, 2);
        linear.Weight.CopyFrom(Tensor.FromArray([.. weights, .. new float[d]], [2, d]));
        linear.Bias!.CopyFrom(Tensor.Zeros([2]));
        var model = new Sequential(new Flatten(), linear);
        var images = Tensor.Uniform([n, c, h, w], new Generator(12));
        var pixels = images.ToFloatArray();
        pixels[0] = 0; pixels[1] = 1; // on the box's faces: the clamp matters
        images = Tensor.FromArray(pixels, [n, c, h, w]);
        const double eps = 0.1;

        var adversarial = Fgsm.Attack(model, images, Tensor.FromArray(Enumerable.Repeat(label, n).ToArray(), [n]), new AttackOptions(Epsilon: eps));

        float direction = label == 0 ? -1 : 1;
        var expected = pixels.Select((x, i) => Math.Clamp(x + (float)eps * direction * MathF.Sign(weights[i % d]), 0f, 1f));
        adversarial.ToFloatArray().Should().Equal(expected);
        linear.Weight.Grad.Should().BeNull("an attack computes input gradients only");
    }
}
