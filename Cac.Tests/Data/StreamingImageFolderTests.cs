using Cac.Data;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Data.ImageFiles;

namespace Cac.Tests.Data;

/// <summary>The streaming image-folder dataset, its catalog entries, and the loader's workers and bad-sample policies on it.</summary>
public class StreamingImageFolderTests
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(30);

    // DIR/<split>/<class>/*.png: classes b (3 images) and a (2), of sizes that differ; returns the split's path.
    private static string GoodSplit(TempDir dir, string split = "train")
    {
        for (int i = 0; i < 3; i++) dir.Write($"{split}/b/{i}.png", Png(6 + i, 5, 3, Pixels(6 + i, 5, 3, seed: i)));
        for (int i = 0; i < 2; i++) dir.Write($"{split}/a/sub/{i}.png", Png(9, 7 + i, 3, Pixels(9, 7 + i, 3, seed: 10 + i)));
        return Path.Combine(dir.Path, split);
    }

    private static byte[] TruncatedJpeg => RgbJpeg[..(RgbJpeg.Length / 2)];

    // Enumerates on a task, so that a hang fails the test instead of stalling the run.
    private static List<Batch> Drain(DataLoader loader) =>
        Task.Run(() => loader.Epoch(0).ToList()).WaitAsync(NoHang).GetAwaiter().GetResult();

    [Fact]
    public void Lists_classes_in_ordinal_order_and_decodes_each_image_at_its_own_size()
    {
        using var dir = new TempDir();
        var ds = StreamingImageFolderDataset.Open(GoodSplit(dir));
        ds.ClassNames.Should().Equal("a", "b");
        ds.Count.Should().Be(5);
        ((IImageDataset)ds).SizesVary.Should().BeTrue();
        Enumerable.Range(0, 5).Select(ds.Label).Should().Equal(0, 0, 1, 1, 1);
        ds.ImageShape.Should().Be(new ImageShape(3, 7, 9), "the first image's size");
        var (pixels, shape) = ds.ReadImage(3);
        shape.Should().Be(new ImageShape(3, 5, 7));
        pixels.Should().HaveCount(shape.Length);
        pixels[0].Should().Be(Pixels(7, 5, 3, seed: 1)[0] / 255f);
        FluentActions.Invoking(() => ds.CopyImage(0, new float[ds.ImageShape.Length])).Should().Throw<NotSupportedException>();
    }

    [Fact]
    public void A_loader_needs_a_transform_that_makes_one_size()
    {
        using var dir = new TempDir();
        var ds = StreamingImageFolderDataset.Open(GoodSplit(dir));
        FluentActions.Invoking(() => new DataLoader(ds, 2)).Should().Throw<ArgumentException>().WithMessage("*differ in size*");
        var mismatched = new DataLoader(ds, 2, transform: new RandomHorizontalFlip());
        FluentActions.Invoking(() => Drain(mismatched)).Should().Throw<InvalidDataException>().WithMessage("*comes out of the transforms as*");
    }

    [Fact]
    public void Batches_do_not_depend_on_the_worker_count_or_prefetch()
    {
        using var dir = new TempDir();
        var ds = StreamingImageFolderDataset.Open(GoodSplit(dir));
        var transform = new Compose(new RandomResizedCrop(4), new RandomHorizontalFlip());
        float[][] Images(bool prefetch, int workers) =>
            Drain(new DataLoader(ds, 2, shuffle: true, seed: 3, transform: transform, prefetch: prefetch, workers: workers))
                .Select(b => b.Images.ToFloatArray()).ToArray();
        var reference = Images(false, 1);
        reference.Should().HaveCount(3);
        reference[0].Should().HaveCount(2 * 3 * 4 * 4);
        foreach (int workers in new[] { 1, 3 })
        {
            var got = Images(true, workers);
            for (int b = 0; b < reference.Length; b++) got[b].Should().Equal(reference[b], $"workers {workers}, batch {b}");
        }
    }

    [Fact]
    public async Task Stopping_early_cancels_the_workers_and_the_next_epoch_still_runs()
    {
        using var dir = new TempDir();
        var ds = StreamingImageFolderDataset.Open(GoodSplit(dir));
        var loader = new DataLoader(ds, 1, transform: new RandomResizedCrop(4), workers: 3);
        await Task.Run(() => loader.Epoch(0).First().Dispose()).WaitAsync(NoHang);
        Drain(loader).Should().HaveCount(5);
    }

    [Theory]
    [InlineData("truncated.jpg")]
    [InlineData("notes.jpg")]
    public void A_bad_file_stops_the_pass_on_the_enumerating_thread_naming_it(string name)
    {
        using var dir = new TempDir();
        string split = GoodSplit(dir);
        string bad = dir.Write($"train/b/{name}", name.StartsWith("truncated", StringComparison.Ordinal) ? TruncatedJpeg : "just text"u8.ToArray());
        var loader = new DataLoader(StreamingImageFolderDataset.Open(split), 2, transform: new RandomResizedCrop(4), workers: 2);
        FluentActions.Invoking(() => Drain(loader)).Should().Throw<InvalidDataException>().Which.Message.Should().StartWith(bad + ": ");
    }

    [Fact]
    public void Skip_leaves_bad_files_out_and_reports_each_one()
    {
        using var dir = new TempDir();
        string split = GoodSplit(dir);
        string truncated = dir.Write("train/b/truncated.jpg", TruncatedJpeg);
        string text = dir.Write("train/a/notes.jpg", "just text"u8.ToArray());
        var ds = StreamingImageFolderDataset.Open(split, policy: BadSamplePolicy.Skip);
        ds.Count.Should().Be(7);
        var loader = new DataLoader(ds, 4, transform: new RandomResizedCrop(4), workers: 2, badSamples: BadSamplePolicy.Skip);
        var batches = Drain(loader);
        batches.Sum(b => b.Size).Should().Be(5);
        batches.SelectMany(b => b.Indices).Select(i => ds.Scan.Samples[i].Path).Should().NotContain([truncated, text]);
        loader.Skipped.Should().HaveCount(2);
        loader.Skipped.Should().Contain(m => m.StartsWith(truncated + ": ")).And.Contain(m => m.StartsWith(text + ": "));
    }

    [Fact]
    public void An_empty_class_folder_stops_or_is_reported_and_keeps_its_label()
    {
        using var dir = new TempDir();
        string split = GoodSplit(dir);
        string empty = Path.Combine(split, "aa");
        dir.Write("train/aa/readme.txt", "x"u8.ToArray());
        FluentActions.Invoking(() => StreamingImageFolderDataset.Open(split)).Should().Throw<InvalidDataException>()
            .Which.Message.Should().StartWith(empty + ": ").And.Contain("no images");
        var ds = StreamingImageFolderDataset.Open(split, policy: BadSamplePolicy.Skip);
        ds.ClassNames.Should().Equal("a", "aa", "b");
        Enumerable.Range(0, ds.Count).Select(ds.Label).Should().Equal(0, 0, 2, 2, 2);
        ds.Scan.Problems.Should().ContainSingle().Which.Should().StartWith(empty + ": ");
    }

    [Fact]
    public async Task A_directory_link_loop_is_not_followed()
    {
        using var dir = new TempDir();
        string split = GoodSplit(dir);
        string link = Path.Combine(split, "a", "sub", "loop");
        Directory.CreateSymbolicLink(link, Path.Combine(split, "a"));
        var open = Task.Run(() => StreamingImageFolderDataset.Open(split)).WaitAsync(NoHang);
        (await FluentActions.Awaiting(() => open).Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().StartWith(link + ": ").And.Contain("loop");
        var ds = StreamingImageFolderDataset.Open(split, policy: BadSamplePolicy.Skip);
        ds.Count.Should().Be(5);
        ds.Scan.Problems.Should().ContainSingle().Which.Should().Contain("loop");
    }

    [Fact]
    public void A_directory_link_that_is_no_loop_is_followed()
    {
        using var dir = new TempDir();
        string split = GoodSplit(dir);
        dir.Write("elsewhere/x.png", Png(3, 3, 3, Pixels(3, 3, 3)));
        Directory.CreateSymbolicLink(Path.Combine(split, "a", "linked"), Path.Combine(dir.Path, "elsewhere"));
        var ds = StreamingImageFolderDataset.Open(split);
        ds.Count.Should().Be(6);
        ds.Scan.Samples.Count(s => s.Label == 0).Should().Be(3);
    }

    [Fact]
    public void The_catalog_reads_train_and_val_with_the_imagenet_transforms()
    {
        using var dir = new TempDir();
        GoodSplit(dir, "train");
        GoodSplit(dir, "val");
        dir.Write("val/b/extra.png", Png(5, 5, 3, Pixels(5, 5, 3)));
        DatasetCatalog.Load("imagenet", dir.Path, train: false).Count.Should().Be(6);
        DatasetCatalog.Load("imagefolder", dir.Path, train: true).Count.Should().Be(5);
        var info = DatasetCatalog.Info("imagenet");
        info.TrainAugmentation().Select(t => t.GetType()).Should().Equal(typeof(RandomResizedCrop), typeof(RandomHorizontalFlip));
        info.EvalPreprocessing().Select(t => t.GetType()).Should().Equal(typeof(ResizeShorterSide), typeof(CenterCrop));
        new Compose(info.EvalPreprocessing()).OutputShape(new ImageShape(3, 5, 9)).Should().Be(new ImageShape(3, 224, 224));
        FluentActions.Invoking(() => DatasetCatalog.Load("imagenet", null)).Should().Throw<DatasetNotFoundException>().WithMessage("*--data DIR*");
        FluentActions.Invoking(() => DatasetCatalog.Load("imagenet", Path.Combine(dir.Path, "nope"))).Should().Throw<DatasetNotFoundException>().WithMessage("*nope*train*");
    }
}
