namespace Cac.Data;

/// <summary>What the catalog knows about a dataset: classes, image shape, normalisation constants, where to get it.</summary>
/// <param name="Name">Catalog name ("fashion-mnist").</param>
/// <param name="ClassNames">One name per class.</param>
/// <param name="ImageShape">Shape of every image (C, H, W).</param>
/// <param name="Mean">Per-channel mean of the training images (pixels in [0, 1]).</param>
/// <param name="Std">Per-channel standard deviation of the training images.</param>
/// <param name="HowToGet">A sentence telling a user how to obtain the files.</param>
/// <param name="PaddedFrom">For a derived dataset: the catalog dataset whose files it reads, each image zero-padded
/// equally on every side to <paramref name="ImageShape"/>; null for a dataset with files of its own.</param>
public sealed record DatasetInfo(string Name, IReadOnlyList<string> ClassNames, ImageShape ImageShape,
    double[] Mean, double[] Std, string HowToGet, string? PaddedFrom = null)
{
    /// <summary>Number of classes.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>The normalisation transform with this dataset's constants.</summary>
    public Normalize Normalize() => new(Mean, Std);
}

/// <summary>Where one split of a dataset was found.</summary>
/// <param name="Directory">The directory holding the files.</param>
/// <param name="ImagesPath">The IDX image file.</param>
/// <param name="LabelsPath">The IDX label file.</param>
public sealed record DatasetFiles(string Directory, string ImagesPath, string LabelsPath);
