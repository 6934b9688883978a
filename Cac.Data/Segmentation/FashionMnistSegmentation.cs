namespace Cac.Data;

/// <summary>
/// A small segmentation task made from Fashion-MNIST, for running the segmentation pipeline on a CPU: 96 x 96 RGB
/// canvases, each holding 1 to 4 Fashion-MNIST items at random positions and scales (28 x 28 resized bilinearly to a side
/// of 20 to 56 pixels), each tinted with a random colour and blended over a random dark background by its intensity;
/// later items cover earlier ones. Labels: item class + 1 where the item's intensity is above <see cref="Threshold"/>, 0
/// (background) elsewhere, and 255 (ignored) on a 1-pixel band: every item pixel that touches (4-neighbourhood) a pixel
/// of another label, as VOC marks object boundaries. 11 classes. Everything is drawn from one generator, so a seed gives
/// the same canvases.
/// </summary>
public static class FashionMnistSegmentation
{
    /// <summary>Canvas height and width.</summary>
    public const int CanvasSize = 96;

    /// <summary>Background and the 10 Fashion-MNIST classes.</summary>
    public const int ClassCount = 11;

    /// <summary>Item intensity (in [0, 1]) above which a pixel belongs to the item.</summary>
    public const float Threshold = 0.3f;

    /// <summary>The smallest and largest item side, in pixels.</summary>
    public const int MinItemSize = 20, MaxItemSize = 56;

    /// <summary>
    /// Draws canvas <paramref name="count"/> samples from <paramref name="items"/> (Fashion-MNIST, 1 x 28 x 28 images in
    /// [0, 1] with classes 0..9) with <paramref name="generator"/>.
    /// </summary>
    public static IEnumerable<SegmentationSample> Generate(IImageDataset items, int count, Generator generator)
    {
        if (items.ImageShape.Channels != 1 || items.ClassCount != ClassCount - 1)
            throw new ArgumentException($"FashionMnistSegmentation: items must be grey images of {ClassCount - 1} classes, got {items.ImageShape} with {items.ClassCount}");
        for (int i = 0; i < count; i++) yield return Canvas(items, generator);
    }

    private static SegmentationSample Canvas(IImageDataset items, Generator generator)
    {
        const int n = CanvasSize * CanvasSize;
        var image = new float[3 * n];
        var labels = new byte[n];
        for (int c = 0; c < 3; c++) Array.Fill(image, (float)(0.3 * generator.NextDouble()), c * n, n);
        int itemCount = 1 + generator.NextInt(4);
        var item = new float[items.ImageShape.Length];
        for (int k = 0; k < itemCount; k++)
        {
            int index = generator.NextInt(items.Count);
            items.CopyImage(index, item);
            int size = MinItemSize + generator.NextInt(MaxItemSize - MinItemSize + 1);
            int top = generator.NextInt(CanvasSize - size + 1), left = generator.NextInt(CanvasSize - size + 1);
            var tint = new[] { 0.4 + 0.6 * generator.NextDouble(), 0.4 + 0.6 * generator.NextDouble(), 0.4 + 0.6 * generator.NextDouble() };
            var scaled = new float[size * size];
            Resize.Bilinear(item, items.ImageShape, scaled, size, size);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    float a = Math.Clamp(scaled[y * size + x], 0, 1);
                    int p = (top + y) * CanvasSize + left + x;
                    for (int c = 0; c < 3; c++) image[c * n + p] += (float)((tint[c] - image[c * n + p]) * a);
                    if (a > Threshold) labels[p] = (byte)(items.Label(index) + 1);
                }
        }
        return new SegmentationSample(image, Band(labels), CanvasSize, CanvasSize);
    }

    // Marks with 255 every item pixel with a 4-neighbour of another label.
    private static byte[] Band(byte[] labels)
    {
        var banded = (byte[])labels.Clone();
        for (int y = 0; y < CanvasSize; y++)
            for (int x = 0; x < CanvasSize; x++)
            {
                byte label = labels[y * CanvasSize + x];
                if (label == 0) continue;
                bool edge = (y > 0 && labels[(y - 1) * CanvasSize + x] != label) || (y < CanvasSize - 1 && labels[(y + 1) * CanvasSize + x] != label)
                            || (x > 0 && labels[y * CanvasSize + x - 1] != label) || (x < CanvasSize - 1 && labels[y * CanvasSize + x + 1] != label);
                if (edge) banded[y * CanvasSize + x] = SegmentationSample.Ignore;
            }
        return banded;
    }
}
