using FluentAssertions;
using StbImageSharp;

namespace Cac.Tests.Cli;

/// <summary>Decodes the PNG files the reports write (with StbImageSharp, independently of ScottPlot).</summary>
internal static class PngFile
{
    /// <summary>The decoded image, RGB, row-major.</summary>
    public static ImageResult Read(string path)
    {
        File.Exists(path).Should().BeTrue($"{path} should have been written");
        byte[] bytes = File.ReadAllBytes(path);
        bytes.Take(8).Should().Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, "a PNG starts with its signature");
        return ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlue);
    }

    /// <summary>Asserts that <paramref name="path"/> is a PNG of the given size that is not one flat colour.</summary>
    public static ImageResult ShouldBePng(string path, int width, int height)
    {
        var image = Read(path);
        image.Width.Should().Be(width, path);
        image.Height.Should().Be(height, path);
        image.Data.Distinct().Count().Should().BeGreaterThan(8, $"{path} should show something, not a flat image");
        return image;
    }

    /// <summary>Pixels whose colour is saturated (not grey, black or white): the coloured series and bars of a chart.</summary>
    public static int ColouredPixels(ImageResult image)
    {
        int count = 0;
        for (int i = 0; i < image.Data.Length; i += 3)
        {
            int r = image.Data[i], green = image.Data[i + 1], b = image.Data[i + 2];
            if (Math.Max(r, Math.Max(green, b)) - Math.Min(r, Math.Min(green, b)) > 60) count++;
        }
        return count;
    }
}
