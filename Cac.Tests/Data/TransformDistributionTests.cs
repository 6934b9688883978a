using Cac.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Data;

/// <summary>
/// The random transforms' draws as random variables (<see cref="GoodnessOfFit"/>, MathNet's chi-square and binomial
/// distributions): <see cref="RandomCrop"/>'s offsets uniform over the H + 2 pad - size + 1 (and W + 2 pad - size + 1)
/// choices and independent of each other, <see cref="RandomHorizontalFlip"/> flipping at rate p.
/// </summary>
public class TransformDistributionTests
{
    private const int Draws = 6000;

    [Fact]
    public void Random_crop_offsets_are_uniform_over_every_choice_and_independent()
    {
        // (1, 6, 7) padded by 2, cropped to 6 x 6: 5 rows and 6 columns of offsets. Pixel values 1 + y W + x are distinct
        // and nonzero, so a crop's first image pixel tells its offset (the 6 x 6 window always overlaps the 6 x 7 image).
        var shape = new ImageShape(1, 6, 7);
        var crop = new RandomCrop(6, padding: 2);
        int tops = shape.Height + 4 - 6 + 1, lefts = shape.Width + 4 - 6 + 1;
        var image = Enumerable.Range(0, shape.Length).Select(i => (float)(i + 1)).ToArray();
        var output = new float[36];
        var check = new float[36];
        var generator = new Generator(4);
        var joint = new long[tops * lefts];
        for (int draw = 0; draw < Draws; draw++)
        {
            crop.Apply(image, output, shape, generator);
            int first = Array.FindIndex(output, v => v != 0);
            int pixel = (int)output[first] - 1;
            int top = pixel / shape.Width - first / 6 + 2, left = pixel % shape.Width - first % 6 + 2;
            crop.CropAt(image, check, shape, top, left);
            check.Should().Equal(output, $"draw {draw} is the crop at ({top}, {left})");
            joint[top * lefts + left]++;
        }
        var rows = Enumerable.Range(0, tops).Select(t => Enumerable.Range(0, lefts).Sum(l => joint[t * lefts + l])).ToArray();
        var cols = Enumerable.Range(0, lefts).Select(l => Enumerable.Range(0, tops).Sum(t => joint[t * lefts + l])).ToArray();
        GoodnessOfFit.AssertCounts(rows, Uniform(tops), "crop top offsets");
        GoodnessOfFit.AssertCounts(cols, Uniform(lefts), "crop left offsets");
        GoodnessOfFit.AssertCounts(joint, Uniform(tops * lefts), "crop (top, left) pairs");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.25)]
    [InlineData(0.9)]
    public void Horizontal_flips_happen_at_rate_p(double p)
    {
        var shape = new ImageShape(2, 3, 4);
        var image = Enumerable.Range(0, shape.Length).Select(i => (float)i).ToArray();
        var mirrored = new float[shape.Length];
        RandomHorizontalFlip.Flip(image, mirrored, shape);
        var flip = new RandomHorizontalFlip(p);
        var output = new float[shape.Length];
        var generator = new Generator(5);
        long flips = 0;
        for (int draw = 0; draw < Draws; draw++)
        {
            flip.Apply(image, output, shape, generator);
            if (output.AsSpan().SequenceEqual(mirrored)) flips++;
            else output.Should().Equal(image, "an image not flipped is copied unchanged");
        }
        GoodnessOfFit.AssertBinomial(flips, Draws, p, $"flips at p = {p}");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Probabilities_zero_and_one_never_and_always_flip(double p)
    {
        var shape = new ImageShape(1, 2, 3);
        var image = new float[] { 1, 2, 3, 4, 5, 6 };
        var output = new float[6];
        var flip = new RandomHorizontalFlip(p);
        var generator = new Generator(6);
        for (int draw = 0; draw < 200; draw++)
        {
            flip.Apply(image, output, shape, generator);
            output.Should().Equal(p == 1 ? [3, 2, 1, 6, 5, 4] : image);
        }
    }

    private static double[] Uniform(int categories) => Enumerable.Repeat(1.0 / categories, categories).ToArray();
}
