using Cac.Cli.Commands;
using Cac.Data;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac make-dataset fashion-mnist-folder` on small IDX files made here, read back by the image-folder reader.</summary>
public sealed class MakeFashionMnistFolderTests : IDisposable
{
    private static readonly byte[] TrainLabels = [3, 0, 9, 3, 1, 0, 7];
    private static readonly byte[] TestLabels = [2, 9, 0];
    private readonly TempDir _dir = new();

    public MakeFashionMnistFolderTests()
    {
        _dir.Write("fmnist/train-images-idx3-ubyte", IdxFiles.Images(TrainLabels.Length, 28, 28));
        _dir.Write("fmnist/train-labels-idx1-ubyte", IdxFiles.Labels(TrainLabels));
        _dir.Write("fmnist/t10k-images-idx3-ubyte", IdxFiles.Images(TestLabels.Length, 28, 28));
        _dir.Write("fmnist/t10k-labels-idx1-ubyte", IdxFiles.Labels(TestLabels));
    }

    public void Dispose() => _dir.Dispose();

    private string Make(string name, int size = 40, int? limit = null)
    {
        string output = Path.Combine(_dir.Path, name);
        MakeFashionMnistFolderCommand.Run(new MakeFashionMnistFolderCommand.Settings(output, size, Path.Combine(_dir.Path, "fmnist"), limit), TextWriter.Null);
        return output;
    }

    [Fact]
    public void Class_folders_sort_in_label_order()
    {
        MakeFashionMnistFolderCommand.ClassFolders.Should().StartWith(["00-t-shirt-top", "01-trouser"]).And.EndWith("09-ankle-boot");
        MakeFashionMnistFolderCommand.ClassFolders.Order(StringComparer.Ordinal).Should().Equal(MakeFashionMnistFolderCommand.ClassFolders);
    }

    [Fact]
    public void Writes_both_splits_read_back_with_the_same_labels_and_upscaled_pixels()
    {
        string output = Make("folder");
        var train = StreamingImageFolderDataset.Open(Path.Combine(output, "train"), policy: BadSamplePolicy.Skip);
        train.ClassNames.Should().Equal(MakeFashionMnistFolderCommand.ClassFolders);
        train.Count.Should().Be(TrainLabels.Length);
        train.Scan.Problems.Should().HaveCount(10 - TrainLabels.Distinct().Count(), "classes without images are empty folders");
        var source = DatasetCatalog.Load("fashion-mnist", Path.Combine(_dir.Path, "fmnist"), train: true);
        for (int i = 0; i < train.Count; i++)
        {
            string file = train.Scan.Samples[i].Path;
            int index = int.Parse(Path.GetFileNameWithoutExtension(file), System.Globalization.CultureInfo.InvariantCulture);
            train.Label(i).Should().Be(TrainLabels[index], file);
            var (pixels, shape) = train.ReadImage(i);
            shape.Should().Be(new ImageShape(3, 40, 40));
            var expected = new float[40 * 40];
            var (original, originalShape) = source.ReadImage(index);
            AntialiasedBilinear.Resize(original, originalShape, CropBox.Whole(originalShape), expected, 40, 40);
            double meanError = Enumerable.Range(0, 3 * 40 * 40).Average(k => Math.Abs(pixels[k] - expected[k % (40 * 40)]));
            meanError.Should().BeLessThan(3.0 / 255, $"{file}: JPEG at quality 95 of the upscaled image, all three channels grey");
        }
        Directory.GetFiles(Path.Combine(output, "val"), "*.jpg", SearchOption.AllDirectories).Should().HaveCount(TestLabels.Length);
    }

    [Fact]
    public void Is_deterministic_honours_limit_and_refuses_to_overwrite()
    {
        string a = Make("a", size: 24, limit: 4), b = Make("b", size: 24, limit: 4);
        var filesA = Directory.GetFiles(a, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(a, f)).Order(StringComparer.Ordinal).ToList();
        filesA.Should().HaveCount(4 + 3);
        foreach (var file in filesA) File.ReadAllBytes(Path.Combine(b, file)).Should().Equal(File.ReadAllBytes(Path.Combine(a, file)), file);
        FluentActions.Invoking(() => Make("a")).Should().Throw<IOException>().WithMessage("*already exists*");
    }
}
