namespace Cac.Data;

/// <summary>
/// One image of a segmentation dataset and its label map, aligned pixel for pixel: <paramref name="Image"/> (3, H, W)
/// floats in [0, 1], <paramref name="Mask"/> (H, W) class indices (255: ignored, VOC's boundary band and padding).
/// </summary>
/// <param name="Image">The RGB image, planar (3, H, W).</param>
/// <param name="Mask">The class of every pixel, row-major (H, W).</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
public sealed record SegmentationSample(float[] Image, byte[] Mask, int Height, int Width)
{
    /// <summary>The image's channels (RGB).</summary>
    public const int Channels = 3;

    /// <summary>The label of pixels that are not scored (VOC's boundary band, crop padding).</summary>
    public const byte Ignore = 255;

    /// <summary>Checks that the arrays hold (3, H, W) and (H, W) values.</summary>
    /// <exception cref="ArgumentException">A length does not match the size.</exception>
    public void Validate()
    {
        if (Height < 1 || Width < 1 || Image.Length != Channels * Height * Width || Mask.Length != Height * Width)
            throw new ArgumentException($"segmentation sample: image of {Image.Length} values and mask of {Mask.Length} for {Height} x {Width}");
    }
}
