using Cac.Cli.Commands;
using Cac.Data;
using Cac.Tests.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Cli;

/// <summary>`cac make-dataset fashion-mnist-seg`: a VOC-layout dataset the VOC reader reads, deterministic per seed.</summary>
public sealed class MakeDatasetCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public MakeDatasetCommandTests()
    {
        // Small Fashion-MNIST-shaped files: 12 training and 5 test items.
        _dir.Write(Path.Combine("fm", "fashion-mnist", "train-images-idx3-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Images(12, 28, 28)));
        _dir.Write(Path.Combine("fm", "fashion-mnist", "train-labels-idx1-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Labels(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1)));
        _dir.Write(Path.Combine("fm", "fashion-mnist", "t10k-images-idx3-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Images(5, 28, 28)));
        _dir.Write(Path.Combine("fm", "fashion-mnist", "t10k-labels-idx1-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Labels(9, 8, 7, 6, 5)));
    }

    public void Dispose() => _dir.Dispose();

    private string Make(string name, int seed)
    {
        string output = Path.Combine(_dir.Path, name);
        MakeDatasetCommand.Run(new MakeDatasetCommand.MakeDatasetSettings("fashion-mnist-seg", output, seed, Train: 6, Val: 3, DataDir: Path.Combine(_dir.Path, "fm")), TextWriter.Null);
        return output;
    }

    [Fact]
    public void The_voc_reader_reads_both_splits_with_items_labels_and_a_boundary_band()
    {
        string root = Make("a", 5);
        var train = new VocSegmentationDataset(root, "train", FashionMnistSegmentation.ClassCount);
        var val = new VocSegmentationDataset(root, "val", FashionMnistSegmentation.ClassCount);
        (train.Count, val.Count).Should().Be((6, 3));
        int size = FashionMnistSegmentation.CanvasSize;
        for (int i = 0; i < train.Count; i++)
        {
            var sample = train.Read(i);
            (sample.Height, sample.Width).Should().Be((size, size));
            sample.Mask.Should().Contain(v => v > 0 && v < 11, "every canvas holds an item").And.Contain((byte)0).And.Contain(SegmentationSample.Ignore);
            // The band separates labels: no two different scored labels touch.
            for (int y = 0; y < size; y++)
                for (int x = 0; x + 1 < size; x++)
                    foreach (var (a, b) in new[] { (sample.Mask[y * size + x], sample.Mask[y * size + x + 1]), (sample.Mask[x * size + y], sample.Mask[(x + 1) * size + y]) })
                        if (a != 255 && b != 255) a.Should().Be(b, $"image {i}: neighbouring labels {a} and {b} at ({y}, {x})");
        }
        // Validation canvases come from the test items (classes 5..9, so labels 6..10).
        Enumerable.Range(0, val.Count).SelectMany(i => val.Read(i).Mask).Where(v => v is > 0 and < 255).Should().OnlyContain(v => v >= 6 && v <= 10);
    }

    [Fact]
    public void The_same_seed_writes_the_same_files_and_another_seed_other_ones()
    {
        string a = Make("a", 5), b = Make("b", 5), c = Make("c", 6);
        foreach (var file in Directory.GetFiles(a, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(a, f)))
            File.ReadAllBytes(Path.Combine(b, file)).Should().Equal(File.ReadAllBytes(Path.Combine(a, file)), file);
        File.ReadAllBytes(Path.Combine(c, "SegmentationClass", "train_00000.png"))
            .Should().NotEqual(File.ReadAllBytes(Path.Combine(a, "SegmentationClass", "train_00000.png")));
    }
}
