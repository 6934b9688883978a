namespace Cac.Data;

/// <summary>
/// A labelled image dataset with a fixed image shape (C, H, W), read by index. Implementations must
/// allow concurrent reads (the loader prepares the next batch on a background task).
/// </summary>
public interface IImageDataset
{
    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Shape of every image.</summary>
    ImageShape ImageShape { get; }

    /// <summary>Number of classes; every label is in [0, ClassCount).</summary>
    int ClassCount { get; }

    /// <summary>Copies image <paramref name="index"/> as floats in [0, 1], layout (C, H, W), into <paramref name="destination"/>.</summary>
    void CopyImage(int index, Span<float> destination);

    /// <summary>The class label of sample <paramref name="index"/>.</summary>
    int Label(int index);
}
