using Cac.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Data;

public class ResizeCenterCropTests
{
    // (2, 3, 4) input of the PyTorch reference below: value[c, i] = (c * 12 + (i * 7) % 11) / 10 + (i % 4) * 0.25.
    private static float[] Input() =>
        Enumerable.Range(0, 2).SelectMany(c => Enumerable.Range(0, 12).Select(i => (float)((c * 12 + i * 7 % 11) / 10.0 + i % 4 * 0.25))).ToArray();

    // torch.nn.functional.interpolate(x, size, mode="bilinear", align_corners=False), torch 1.13, float32.
    public static TheoryData<int, int, float[]> Reference => new()
    {
        { 5, 7, [0f, 0.3392858f, 0.8821429f, 0.875f, 0.8678573f, 1.410714f, 1.75f, 0.24f, 0.4221429f, 0.7135714f, 0.895f, 1.076429f, 1.367857f, 1.55f, 0.6f, 0.5464286f, 0.4607143f, 0.9250001f, 1.389286f, 1.303571f, 1.25f, 0.3f, 0.4821428f, 0.7735714f, 0.955f, 1.089286f, 1.003571f, 0.9499999f, 0.1f, 0.4392857f, 0.9821428f, 0.975f, 0.8892857f, 0.8035714f, 0.75f, 1.2f, 1.539286f, 2.082143f, 2.075f, 2.067857f, 2.610714f, 2.95f, 1.44f, 1.622143f, 1.913572f, 2.095f, 2.276429f, 2.567857f, 2.75f, 1.8f, 1.746428f, 1.660714f, 2.125f, 2.589286f, 2.503571f, 2.45f, 1.5f, 1.682143f, 1.973572f, 2.155f, 2.289285f, 2.203571f, 2.15f, 1.3f, 1.639286f, 2.182143f, 2.175f, 2.089286f, 2.003571f, 1.95f] },
        { 2, 3, [0.2625f, 0.8875f, 1.5125f, 0.3375f, 0.9625f, 0.9f, 1.4625f, 2.0875f, 2.7125f, 1.5375f, 2.1625f, 2.1f] },
        { 6, 2, [0.475f, 1.275f, 0.4875f, 1.2875f, 0.5125f, 1.3125f, 0.5375f, 1.2f, 0.5625f, 0.95f, 0.575f, 0.825f, 1.675f, 2.475f, 1.6875f, 2.4875f, 1.7125f, 2.5125f, 1.7375f, 2.4f, 1.7625f, 2.15f, 1.775f, 2.025f] },
    };

    [Theory]
    [MemberData(nameof(Reference))]
    public void Resize_matches_pytorch_bilinear(int h, int w, float[] expected)
    {
        var shape = new ImageShape(2, 3, 4);
        var resize = new Resize(h, w);
        resize.OutputShape(shape).Should().Be(new ImageShape(2, h, w));
        var output = new float[2 * h * w];
        resize.Apply(Input(), output, shape, new Generator(0));
        for (int i = 0; i < expected.Length; i++) output[i].Should().BeApproximately(expected[i], 2e-6f, $"element {i}");
    }

    [Fact]
    public void Resize_to_the_same_size_copies_and_keeps_constants()
    {
        var shape = new ImageShape(2, 3, 4);
        var same = new float[24];
        Resize.Bilinear(Input(), shape, same, 3, 4);
        same.Should().Equal(Input());
        var constant = Enumerable.Repeat(0.375f, 12).ToArray();
        var up = new float[9 * 11];
        Resize.Bilinear(constant, new ImageShape(1, 3, 4), up, 9, 11);
        up.Should().OnlyContain(v => v == 0.375f);
    }

    [Fact]
    public void Resize_validates()
    {
        FluentActions.Invoking(() => new Resize(0, 3)).Should().Throw<ArgumentException>().WithMessage("Resize*");
        FluentActions.Invoking(() => new Resize(2, 2).Apply(new float[5], new float[4], new ImageShape(1, 2, 3), new Generator(0)))
            .Should().Throw<ArgumentException>().WithMessage("Resize: input has 5 values*");
    }

    [Theory]
    [InlineData(5, 7, 2, 3, 2, 2)] // (5-2)/2 = 1.5 -> 2, (7-3)/2 = 2
    [InlineData(7, 4, 2, 3, 2, 0)] // 2.5 -> 2 (half to even), 0.5 -> 0
    [InlineData(4, 4, 2, 2, 1, 1)]
    [InlineData(3, 3, 3, 3, 0, 0)]
    public void CenterCrop_takes_the_torchvision_window(int h, int w, int ch, int cw, int top, int left)
    {
        var shape = new ImageShape(2, h, w);
        var input = Enumerable.Range(0, shape.Length).Select(i => (float)i).ToArray();
        var crop = new CenterCrop(ch, cw);
        crop.Offset(shape).Should().Be((top, left));
        var output = new float[2 * ch * cw];
        crop.Apply(input, output, shape, new Generator(0));
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < ch; y++)
                for (int x = 0; x < cw; x++)
                    output[(c * ch + y) * cw + x].Should().Be(input[(c * h + top + y) * w + left + x]);
    }

    [Fact]
    public void CenterCrop_validates()
    {
        new CenterCrop(3).OutputShape(new ImageShape(1, 5, 4)).Should().Be(new ImageShape(1, 3, 3));
        FluentActions.Invoking(() => new CenterCrop(5).OutputShape(new ImageShape(1, 4, 8)))
            .Should().Throw<ArgumentException>().WithMessage("CenterCrop: cannot crop 5 x 5*(1, 4, 8)*");
        FluentActions.Invoking(() => new CenterCrop(0, 2)).Should().Throw<ArgumentException>();
    }
}
