namespace Cac.Data;

/// <summary>
/// A labelled image dataset read by index. Implementations must allow concurrent reads (the loader prepares batches on
/// background tasks).
/// <para>
/// Most datasets hold images of one shape, <see cref="ImageShape"/>, read with <see cref="CopyImage"/>. A dataset whose
/// images differ in size (decoded files, ImageNet) sets <see cref="SizesVary"/>, serves its images with
/// <see cref="ReadImage"/>, and gives in <see cref="ImageShape"/> the channel count and a size to infer the shape a
/// loader's transforms produce; such a dataset needs transforms that bring every image to one size.
/// </para>
/// </summary>
public interface IImageDataset
{
    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Shape of every image; when <see cref="SizesVary"/>, the channels and a representative size.</summary>
    ImageShape ImageShape { get; }

    /// <summary>Number of classes; every label is in [0, ClassCount).</summary>
    int ClassCount { get; }

    /// <summary>Whether images differ in size: read them with <see cref="ReadImage"/>, not <see cref="CopyImage"/>.</summary>
    bool SizesVary => false;

    /// <summary>Copies image <paramref name="index"/> as floats in [0, 1], layout (C, H, W), into <paramref name="destination"/>.</summary>
    void CopyImage(int index, Span<float> destination);

    /// <summary>Image <paramref name="index"/> as floats in [0, 1], (C, H, W), and its shape. By default <see cref="CopyImage"/> into a new array.</summary>
    (float[] Pixels, ImageShape Shape) ReadImage(int index)
    {
        var pixels = new float[ImageShape.Length];
        CopyImage(index, pixels);
        return (pixels, ImageShape);
    }

    /// <summary>The class label of sample <paramref name="index"/>.</summary>
    int Label(int index);
}
