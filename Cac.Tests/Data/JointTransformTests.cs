using Cac.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Data;

/// <summary>Image and label map transformed together stay aligned pixel for pixel.</summary>
public class JointTransformTests
{
    private const int H = 30, W = 37;

    // A sample whose image says where each pixel came from (red = y / (H - 1), green = x / (W - 1): bilinear interpolation
    // of these ramps is exact) and whose labels are a function of the position that changes at every step.
    private static SegmentationSample Coordinates()
    {
        var image = new float[3 * H * W];
        var mask = new byte[H * W];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                image[y * W + x] = y / (float)(H - 1);
                image[H * W + y * W + x] = x / (float)(W - 1);
                mask[y * W + x] = Label(y, x);
            }
        return new SegmentationSample(image, mask, H, W);
    }

    private static byte Label(int y, int x) => (byte)((y * 7 + x * 3) % 21);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Scale_crop_and_flip_keep_every_label_on_the_pixel_it_came_with(int seed)
    {
        var transform = new JointCompose(new JointRandomScale(0.5, 2.0), new JointRandomCrop(40, 40), new JointRandomHorizontalFlip());
        var output = transform.Apply(Coordinates(), new Generator(seed));
        (output.Height, output.Width).Should().Be((40, 40));
        int checkedPixels = 0, plane = 40 * 40;
        for (int p = 0; p < plane; p++)
        {
            if (output.Mask[p] == SegmentationSample.Ignore)
            {
                // Padding: black image, ignored label.
                (output.Image[p], output.Image[plane + p], output.Image[2 * plane + p]).Should().Be((0f, 0f, 0f), $"pixel {p} is padding");
                continue;
            }
            double sy = output.Image[p] * (H - 1), sx = output.Image[plane + p] * (W - 1);
            if (Math.Abs(sy - Math.Floor(sy) - 0.5) < 1e-3 || Math.Abs(sx - Math.Floor(sx) - 0.5) < 1e-3) continue; // a rounding tie
            output.Mask[p].Should().Be(Label((int)Math.Floor(sy + 0.5), (int)Math.Floor(sx + 0.5)), $"seed {seed}, pixel {p} samples ({sy:f3}, {sx:f3})");
            checkedPixels++;
        }
        checkedPixels.Should().BeGreaterThan(plane / 8);
    }

    [Fact]
    public void Resize_for_testing_keeps_labels_unblended_and_aligned()
    {
        var output = new JointResize(48, 48).Apply(Coordinates(), new Generator(0));
        (output.Height, output.Width).Should().Be((48, 48));
        for (int p = 0; p < 48 * 48; p++)
        {
            double sy = output.Image[p] * (H - 1), sx = output.Image[48 * 48 + p] * (W - 1);
            if (Math.Abs(sy - Math.Floor(sy) - 0.5) < 1e-3 || Math.Abs(sx - Math.Floor(sx) - 0.5) < 1e-3) continue;
            output.Mask[p].Should().Be(Label((int)Math.Floor(sy + 0.5), (int)Math.Floor(sx + 0.5)));
        }
    }

    [Fact]
    public void A_crop_larger_than_the_image_pads_the_mask_with_the_ignore_label()
    {
        var output = new JointRandomCrop(35, 40).Apply(Coordinates(), new Generator(0));
        int kept = output.Mask.Count(v => v != SegmentationSample.Ignore);
        kept.Should().BeLessThanOrEqualTo(H * W);
        output.Mask.Count(v => v == SegmentationSample.Ignore).Should().BeGreaterThanOrEqualTo(35 * 40 - H * W);
    }

    [Fact]
    public void Scale_factors_cover_the_range()
    {
        var sizes = Enumerable.Range(0, 200).Select(s => new JointRandomScale(0.5, 2.0).Apply(Coordinates(), new Generator(s)).Height).ToArray();
        sizes.Min().Should().BeInRange(15, 17);
        sizes.Max().Should().BeInRange(57, 60);
    }

    [Fact]
    public void The_same_seed_gives_the_same_sample()
    {
        var transform = new JointCompose(new JointRandomScale(), new JointRandomCrop(24, 24), new JointRandomHorizontalFlip());
        var a = transform.Apply(Coordinates(), new Generator(9));
        var b = transform.Apply(Coordinates(), new Generator(9));
        a.Image.Should().Equal(b.Image);
        a.Mask.Should().Equal(b.Mask);
    }
}
