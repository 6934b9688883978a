namespace Cac.Data;

/// <summary>
/// A labelled image dataset held in memory: float32 images (N, C, H, W) scaled to [0, 1] in one flat
/// array, and one int label per image.
/// </summary>
public sealed class InMemoryImageDataset : IImageDataset
{
    /// <summary>
    /// Wraps arrays (not copied). <paramref name="images"/>: (N, C, H, W) row-major; <paramref name="labels"/>: (N),
    /// each in [0, classCount). Throws <see cref="ArgumentException"/> when sizes or labels disagree.
    /// </summary>
    public InMemoryImageDataset(float[] images, int[] labels, ImageShape shape, int classCount,
        IReadOnlyList<string>? classNames = null, string name = "")
    {
        if (shape.Channels <= 0 || shape.Height <= 0 || shape.Width <= 0)
            throw new ArgumentException($"InMemoryImageDataset: image shape {shape} must be positive");
        if (classCount <= 0)
            throw new ArgumentException($"InMemoryImageDataset: class count must be positive, not {classCount}");
        if ((long)labels.Length * shape.Length != images.Length)
            throw new ArgumentException($"InMemoryImageDataset: {images.Length} image values do not hold {labels.Length} images of shape {shape} ({(long)labels.Length * shape.Length} values)");
        if (classNames is not null && classNames.Count != classCount)
            throw new ArgumentException($"InMemoryImageDataset: {classNames.Count} class names for {classCount} classes");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"InMemoryImageDataset: label {labels[i]} of sample {i} is outside [0, {classCount})");
        Images = images;
        Labels = labels;
        ImageShape = shape;
        ClassCount = classCount;
        ClassNames = classNames;
        Name = name;
    }

    /// <summary>
    /// Builds a grey (C = 1) dataset from an IDX image file and an IDX label file, pixels divided by 255.
    /// Throws <see cref="InvalidDataException"/> when a file is malformed, the counts disagree (the message
    /// names both files and both counts) or a label is not below <paramref name="classCount"/>.
    /// </summary>
    public static InMemoryImageDataset FromIdx(string imagesPath, string labelsPath, int classCount,
        IReadOnlyList<string>? classNames = null, string name = "")
    {
        if (classCount <= 0 || classCount > 256)
            throw new ArgumentException($"InMemoryImageDataset.FromIdx: class count {classCount} must be in [1, 256] for byte labels");
        var images = IdxReader.ReadImages(imagesPath);
        var labelBytes = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labelBytes.Length)
            throw DataFormat.Error(labelsPath,
                $"label count {labelBytes.Length} does not match the image count {images.Count} of {imagesPath}");
        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i];
            if (labels[i] >= classCount)
                throw DataFormat.Error(labelsPath, $"label {labels[i]} of sample {i} is not below the class count {classCount}");
        }
        var pixels = new float[images.Pixels.Length];
        const float scale = 1f / 255f;
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Pixels[i] * scale;
        return new InMemoryImageDataset(pixels, labels, new ImageShape(1, images.Rows, images.Columns), classCount, classNames, name);
    }

    /// <summary>Dataset name ("fashion-mnist/train"), empty when not given.</summary>
    public string Name { get; }

    /// <summary>All images, (N, C, H, W) row-major, values in [0, 1].</summary>
    public float[] Images { get; }

    /// <summary>All labels, (N).</summary>
    public int[] Labels { get; }

    /// <summary>Class names, one per class, when known.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <inheritdoc />
    public int Count => Labels.Length;

    /// <inheritdoc />
    public ImageShape ImageShape { get; }

    /// <inheritdoc />
    public int ClassCount { get; }

    /// <summary>Image <paramref name="index"/>, (C, H, W), without copying.</summary>
    public ReadOnlySpan<float> Image(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset has {Count} samples");
        return Images.AsSpan(index * ImageShape.Length, ImageShape.Length);
    }

    /// <inheritdoc />
    public void CopyImage(int index, Span<float> destination) => Image(index).CopyTo(destination);

    /// <inheritdoc />
    public int Label(int index) => Labels[index];
}
