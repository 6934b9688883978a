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
/// <param name="IsImageFolder">An image-folder tree (DIR/train/&lt;class&gt;/*, DIR/val/&lt;class&gt;/*) of images of any
/// size, read by <see cref="StreamingImageFolderDataset"/>: its classes come from the folders (<paramref name="ClassNames"/>
/// is empty) and <paramref name="ImageShape"/> is the shape its transforms produce.</param>
public sealed record DatasetInfo(string Name, IReadOnlyList<string> ClassNames, ImageShape ImageShape,
    double[] Mean, double[] Std, string HowToGet, string? PaddedFrom = null, bool IsImageFolder = false)
{
    /// <summary>The shorter side image-folder images are resized to before the evaluation's centre crop (ImageNet's 256 for 224).</summary>
    public const int ImageFolderEvalResize = 256;

    /// <summary>Number of classes (0 for an image folder: its folders decide).</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>
    /// The training augmentation before normalisation, as in the paper's recipes: CIFAR a random 32 x 32 crop of the image
    /// padded by 4 and a horizontal flip; image folders (ImageNet) RandomResizedCrop to <see cref="ImageShape"/>'s side
    /// (scale 0.08-1, ratio 3/4-4/3) and a horizontal flip; others nothing.
    /// </summary>
    public IImageTransform[] TrainAugmentation() =>
        IsImageFolder ? [new RandomResizedCrop(ImageShape.Height), new RandomHorizontalFlip()]
        : Name.StartsWith("cifar", StringComparison.Ordinal) ? [new RandomCrop(ImageShape.Height, 4), new RandomHorizontalFlip()]
        : [];

    /// <summary>
    /// The evaluation's preprocessing before normalisation: image folders Resize(256) + CenterCrop(224) (ImageNet's;
    /// <see cref="ImageFolderEvalResize"/>, <see cref="ImageShape"/>'s side); others nothing.
    /// </summary>
    public IImageTransform[] EvalPreprocessing() =>
        IsImageFolder ? [new ResizeShorterSide(ImageFolderEvalResize), new CenterCrop(ImageShape.Height)] : [];

    /// <summary>Throws ArgumentException for an image folder: `cac <paramref name="command"/>` reads only fixed-size datasets.</summary>
    public void RefuseImageFolder(string command)
    {
        if (IsImageFolder)
            throw new ArgumentException($"--dataset {Name}: `cac {command}` does not read image folders yet (`cac train` and `cac eval` do)");
    }

    /// <summary>The normalisation transform with this dataset's constants.</summary>
    public Normalize Normalize() => new(Mean, Std);
}

/// <summary>Where one split of a dataset was found.</summary>
/// <param name="Directory">The directory holding the files.</param>
/// <param name="ImagesPath">The IDX image file.</param>
/// <param name="LabelsPath">The IDX label file.</param>
public sealed record DatasetFiles(string Directory, string ImagesPath, string LabelsPath);
