using Cac.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Data;

public class TransformTests
{
    // Image (C, H, W) with value 1 + c*100 + y*10 + x: nonzero and distinct.
    private static float[] Ramp(ImageShape s)
    {
        var v = new float[s.Length];
        for (int c = 0; c < s.Channels; c++)
            for (int y = 0; y < s.Height; y++)
                for (int x = 0; x < s.Width; x++)
                    v[(c * s.Height + y) * s.Width + x] = 1 + c * 100 + y * 10 + x;
        return v;
    }

    [Fact]
    public void Normalize_uses_each_channels_constants()
    {
        var s = new ImageShape(2, 3, 4);
        var input = Ramp(s).Select(v => v / 255f).ToArray();
        var output = new float[s.Length];
        new Normalize([0.25, 0.5], [0.5, 2.0]).Apply(input, output, s, new Generator(0));
        for (int i = 0; i < s.Length; i++)
        {
            int c = i / 12;
            double expected = (input[i] - (c == 0 ? 0.25 : 0.5)) / (c == 0 ? 0.5 : 2.0);
            output[i].Should().BeApproximately((float)expected, 1e-6f);
        }
    }

    [Fact]
    public void Normalize_with_one_constant_applies_to_all_channels_and_checks_counts()
    {
        var s = new ImageShape(3, 1, 2);
        var output = new float[6];
        new Normalize([1.0], [4.0]).Apply(new float[] { 1, 5, 9, 13, -3, 1 }, output, s, new Generator(0));
        output.Should().Equal(0f, 1f, 2f, 3f, -1f, 0f);
        FluentActions.Invoking(() => new Normalize([0.1, 0.2], [1, 1]).OutputShape(s)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new Normalize([0.1], [0.0])).Should().Throw<ArgumentException>().WithMessage("*std*");
    }

    [Fact]
    public void Flip_with_p_one_mirrors_every_row()
    {
        var s = new ImageShape(2, 3, 5);
        var input = Ramp(s);
        var output = new float[s.Length];
        new RandomHorizontalFlip(1.0).Apply(input, output, s, new Generator(3));
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 5; x++)
                    output[(c * 3 + y) * 5 + x].Should().Be(input[(c * 3 + y) * 5 + (4 - x)]);
        new RandomHorizontalFlip(0.0).Apply(input, output, s, new Generator(3));
        output.Should().Equal(input);
    }

    [Fact]
    public void Flip_with_p_half_flips_about_half_the_time()
    {
        var s = new ImageShape(1, 1, 2);
        var flip = new RandomHorizontalFlip();
        var generator = new Generator(11);
        var output = new float[2];
        int flipped = 0;
        for (int i = 0; i < 2000; i++)
        {
            flip.Apply(new float[] { 1, 2 }, output, s, generator);
            if (output[0] == 2) flipped++;
        }
        flipped.Should().BeInRange(900, 1100);
    }

    [Fact]
    public void Crop_at_extreme_offsets_shows_the_zero_border()
    {
        var s = new ImageShape(2, 6, 6);
        var input = Ramp(s);
        var crop = new RandomCrop(6, padding: 2);
        crop.OutputShape(s).Should().Be(s);
        var output = new float[s.Length];

        crop.CropAt(input, output, s, top: 0, left: 0);
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 6; y++)
                for (int x = 0; x < 6; x++)
                {
                    float v = output[(c * 6 + y) * 6 + x];
                    if (y < 2 || x < 2) v.Should().Be(0f);
                    else v.Should().Be(input[(c * 6 + y - 2) * 6 + x - 2]);
                }

        crop.CropAt(input, output, s, top: 4, left: 4);
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 6; y++)
                for (int x = 0; x < 6; x++)
                {
                    float v = output[(c * 6 + y) * 6 + x];
                    if (y >= 4 || x >= 4) v.Should().Be(0f);
                    else v.Should().Be(input[(c * 6 + y + 2) * 6 + x + 2]);
                }
    }

    [Fact]
    public void Random_crop_keeps_shape_and_covers_every_offset()
    {
        var s = new ImageShape(1, 4, 4);
        var input = Ramp(s);
        var crop = new RandomCrop(4, padding: 1);
        var generator = new Generator(5);
        var seen = new HashSet<(int, int)>();
        var output = new float[s.Length];
        var candidate = new float[s.Length];
        for (int trial = 0; trial < 300; trial++)
        {
            crop.Apply(input, output, s, generator);
            var match = new List<(int, int)>();
            for (int top = 0; top <= 2; top++)
                for (int left = 0; left <= 2; left++)
                {
                    crop.CropAt(input, candidate, s, top, left);
                    if (candidate.SequenceEqual(output)) match.Add((top, left));
                }
            match.Should().ContainSingle("each random crop is one padded window");
            seen.Add(match[0]);
        }
        seen.Should().HaveCount(9);
    }

    [Fact]
    public void Crop_to_a_smaller_size_and_invalid_sizes()
    {
        var s = new ImageShape(1, 5, 5);
        var crop = new RandomCrop(3);
        crop.OutputShape(s).Should().Be(new ImageShape(1, 3, 3));
        var output = new float[9];
        crop.CropAt(Ramp(s), output, s, 1, 2);
        output.Should().Equal(13f, 14f, 15f, 23f, 24f, 25f, 33f, 34f, 35f);
        FluentActions.Invoking(() => new RandomCrop(8, 1).OutputShape(s)).Should().Throw<ArgumentException>().WithMessage("*8 x 8*");
        FluentActions.Invoking(() => crop.CropAt(Ramp(s), output, s, 3, 0)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Compose_chains_in_order()
    {
        var s = new ImageShape(1, 4, 4);
        var input = Ramp(s);
        var chain = new Compose(new RandomCrop(2), new RandomHorizontalFlip(1.0), new Normalize([1.0], [2.0]));
        chain.OutputShape(s).Should().Be(new ImageShape(1, 2, 2));

        var output = new float[4];
        chain.Apply(input, output, s, new Generator(9));

        // Same steps by hand with an identically seeded generator (crop draws top, left; flip draws one number).
        var generator = new Generator(9);
        int top = generator.NextInt(3), left = generator.NextInt(3);
        float[] window = [input[top * 4 + left], input[top * 4 + left + 1], input[(top + 1) * 4 + left], input[(top + 1) * 4 + left + 1]];
        float[] expected = [(window[1] - 1) / 2, (window[0] - 1) / 2, (window[3] - 1) / 2, (window[2] - 1) / 2];
        output.Should().Equal(expected);

        var copy = new float[s.Length];
        new Compose().Apply(input, copy, s, new Generator(0));
        copy.Should().Equal(input);
    }
}
