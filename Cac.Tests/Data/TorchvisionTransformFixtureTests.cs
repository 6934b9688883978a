using Cac.Data;
using Cac.Tests.PyTorch;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Data;

/// <summary>
/// RandomResizedCrop and Resize(shorter side) + CenterCrop against torchvision 0.14 (fixtures/make_transform_fixtures.py).
/// The kernel is PIL's antialiased bilinear filter. Bounds: against torchvision's float32 tensor path with antialias=True
/// (the same kernel) 2e-6, a few float32 roundings of values in [0, 1]; against PIL's bytes 1/255 + 2e-6: PIL rounds to
/// a byte after its horizontal pass (at most 1/510, carried through weights that sum to 1) and after its vertical one
/// (1/510 more).
/// </summary>
public class TorchvisionTransformFixtureTests
{
    private const string Script = "make_transform_fixtures.py";
    private const double FloatBound = 2e-6, PilBound = 1.0 / 255 + 2e-6;
    private static readonly ImageShape ImageShape = new(3, 30, 40);

    [Fact]
    public void RandomResizedCrop_chooses_torchvisions_box_for_the_same_draws()
    {
        var fixture = FixtureFile.LoadPrecise("transform_rrc_boxes", Script);
        var crop = new RandomResizedCrop(224);
        int checkedCases = 0;
        foreach (var c in fixture.Json("cases").EnumerateArray())
        {
            var draws = new Queue<double>(c.GetProperty("draws").EnumerateArray().Select(d => d.GetDouble()));
            int height = c.GetProperty("height").GetInt32(), width = c.GetProperty("width").GetInt32();
            var box = crop.SampleBox(height, width, draws.Dequeue);
            var expected = c.GetProperty("box").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            box.Should().Be(new CropBox(expected[0], expected[1], expected[2], expected[3]), $"image {height} x {width}");
            draws.Should().BeEmpty("Cac draws as many numbers as torchvision");
            checkedCases++;
        }
        checkedCases.Should().BeGreaterThan(40);
    }

    [Fact]
    public void Resized_crop_of_a_box_matches_torchvision()
    {
        var fixture = FixtureFile.LoadPrecise("transform_resized_crop", Script);
        var image = Bytes(fixture, "image");
        int n = 0;
        foreach (var c in fixture.Json("cases").EnumerateArray())
        {
            var b = c.GetProperty("box").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            int size = c.GetProperty("size").GetInt32();
            var output = new float[3 * size * size];
            AntialiasedBilinear.Resize(image, ImageShape, new CropBox(b[0], b[1], b[2], b[3]), output, size, size);
            AssertWithin(output, fixture.Data($"tensor_{n}"), FloatBound, $"case {n}, tensor antialias=True");
            AssertWithin(output, Bytes(fixture, $"pil_{n}"), PilBound, $"case {n}, PIL");
            n++;
        }
        n.Should().Be(4);
    }

    [Fact]
    public void Resize_shorter_side_then_center_crop_matches_torchvision()
    {
        var fixture = FixtureFile.LoadPrecise("transform_resize_center", Script);
        var image = Bytes(fixture, "image");
        int n = 0;
        foreach (var c in fixture.Json("cases").EnumerateArray())
        {
            bool transpose = c.GetProperty("transpose").GetBoolean();
            var shape = transpose ? new ImageShape(3, ImageShape.Width, ImageShape.Height) : ImageShape;
            var input = transpose ? Transposed(image) : image;
            var transform = new Compose(new ResizeShorterSide(c.GetProperty("size").GetInt32()), new CenterCrop(c.GetProperty("crop").GetInt32()));
            var output = new float[transform.OutputShape(shape).Length];
            transform.Apply(input, output, shape, new Generator(0));
            AssertWithin(output, fixture.Data($"tensor_{n}"), FloatBound, $"case {n}, tensor antialias=True");
            AssertWithin(output, Bytes(fixture, $"pil_{n}"), PilBound, $"case {n}, PIL");
            n++;
        }
        n.Should().Be(4);
    }

    [Theory]
    [InlineData(300, 400, 256, 341)]
    [InlineData(400, 300, 341, 256)]
    [InlineData(256, 256, 256, 256)]
    [InlineData(375, 500, 256, 341)] // 256 * 500 / 375 = 341.33, rounded down
    public void Resize_shorter_side_keeps_the_aspect_ratio_rounding_down(int h, int w, int outH, int outW) =>
        new ResizeShorterSide(256).OutputShape(new ImageShape(3, h, w)).Should().Be(new ImageShape(3, outH, outW));

    [Fact]
    public void RandomResizedCrop_output_is_square_and_within_the_input_range()
    {
        var shape = new ImageShape(3, 37, 53);
        var input = Enumerable.Range(0, shape.Length).Select(i => (i % 97) / 96f).ToArray();
        var crop = new RandomResizedCrop(16);
        crop.OutputShape(shape).Should().Be(new ImageShape(3, 16, 16));
        var output = new float[3 * 16 * 16];
        var generator = new Generator(5);
        for (int i = 0; i < 20; i++)
        {
            crop.Apply(input, output, shape, generator);
            output.Should().OnlyContain(v => v >= -1e-6f && v <= 1 + 1e-6f);
        }
    }

    [Fact]
    public void RandomResizedCrop_validates_its_ranges()
    {
        FluentActions.Invoking(() => new RandomResizedCrop(0)).Should().Throw<ArgumentException>().WithMessage("RandomResizedCrop: size*");
        FluentActions.Invoking(() => new RandomResizedCrop(8, 0.5, 0.2)).Should().Throw<ArgumentException>().WithMessage("*scale range*");
        FluentActions.Invoking(() => new RandomResizedCrop(8, minRatio: 2, maxRatio: 1)).Should().Throw<ArgumentException>().WithMessage("*ratio range*");
        FluentActions.Invoking(() => AntialiasedBilinear.Resize(new float[12], new ImageShape(1, 3, 4), new CropBox(1, 1, 3, 3), new float[4], 2, 2))
            .Should().Throw<ArgumentException>().WithMessage("*outside an image*");
    }

    // Params holding bytes (C, H, W), as floats byte / 255.
    private static float[] Bytes(FixtureFile fixture, string name) =>
        fixture.Json(name).EnumerateArray().Select(v => v.GetInt32() / 255f).ToArray();

    // (3, H, W) -> (3, W, H).
    private static float[] Transposed(float[] image)
    {
        int h = ImageShape.Height, w = ImageShape.Width;
        var t = new float[image.Length];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    t[(c * w + x) * h + y] = image[(c * h + y) * w + x];
        return t;
    }

    private static void AssertWithin(float[] actual, IReadOnlyList<double> expected, double bound, string context)
    {
        actual.Length.Should().Be(expected.Count, context);
        double worst = 0;
        int at = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = Math.Abs(actual[i] - expected[i]);
            if (d > worst) (worst, at) = (d, i);
        }
        worst.Should().BeLessThanOrEqualTo(bound, $"{context}: element {at} is {actual[at]}, expected {expected[at]}");
    }

    private static void AssertWithin(float[] actual, float[] expected, double bound, string context) =>
        AssertWithin(actual, Array.ConvertAll(expected, v => (double)v), bound, context);
}
