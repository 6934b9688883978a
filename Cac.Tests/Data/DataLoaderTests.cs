using Cac.Data;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Data;

public class DataLoaderTests
{
    private static readonly ImageShape Shape = new(1, 2, 3);

    // Sample i: every pixel (i + 1) / 1000, label i % 5.
    private static InMemoryImageDataset Numbered(int n)
    {
        var images = new float[n * Shape.Length];
        for (int i = 0; i < n; i++) images.AsSpan(i * Shape.Length, Shape.Length).Fill((i + 1) / 1000f);
        return new InMemoryImageDataset(images, Enumerable.Range(0, n).Select(i => i % 5).ToArray(), Shape, 5);
    }

    private static int[] Served(IEnumerable<Batch> epoch) => epoch.SelectMany(b => b.Indices).ToArray();

    [Fact]
    public void Batches_have_the_right_shapes_and_contents()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4);
        loader.Count.Should().Be(3);
        var batches = loader.Epoch(0).ToList();
        batches.Select(b => b.Size).Should().Equal(4, 4, 2);
        foreach (var b in batches)
        {
            b.Images.Shape.Should().Equal(b.Size, 1, 2, 3);
            b.Images.DType.Should().Be(DType.Float32);
            b.Images.Device.Should().BeSameAs(Device.Cpu);
            b.Labels.Shape.Should().Equal(b.Size);
            b.Labels.DType.Should().Be(DType.Int32);
            var pixels = b.Images.ToFloatArray();
            var labels = b.Labels.ToIntArray();
            for (int i = 0; i < b.Size; i++)
            {
                labels[i].Should().Be(b.Indices[i] % 5);
                pixels.AsSpan(i * 6, 6).ToArray().Should().AllBeEquivalentTo((b.Indices[i] + 1) / 1000f);
            }
        }
        Served(batches).Should().Equal(Enumerable.Range(0, 10), "without shuffle the dataset order is kept");
    }

    [Fact]
    public void Drop_last_skips_the_partial_batch()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4, dropLast: true);
        loader.Count.Should().Be(2);
        loader.Epoch(0).Select(b => b.Size).Should().Equal(4, 4);
        new DataLoader(Numbered(8), batchSize: 4, dropLast: true).Count.Should().Be(2);
    }

    [Fact]
    public void Same_seed_same_order_other_seed_other_order()
    {
        var ds = Numbered(50);
        var a = Served(new DataLoader(ds, 8, shuffle: true, seed: 7).Epoch(3));
        var b = Served(new DataLoader(ds, 8, shuffle: true, seed: 7, prefetch: false).Epoch(3));
        var c = Served(new DataLoader(ds, 8, shuffle: true, seed: 8).Epoch(3));
        a.Should().Equal(b);
        a.Should().NotEqual(c);
        a.Should().NotEqual(Enumerable.Range(0, 50));
    }

    [Fact]
    public void Each_epoch_has_a_new_order_with_every_sample_once()
    {
        var loader = new DataLoader(Numbered(50), 7, shuffle: true, seed: 1);
        var orders = new List<int[]>();
        foreach (var _ in Enumerable.Range(0, 4)) orders.Add(Served(loader)); // foreach over the loader advances the epoch
        for (int e = 0; e < 4; e++)
        {
            orders[e].Order().Should().Equal(Enumerable.Range(0, 50));
            orders[e].Should().Equal(Served(loader.Epoch(e)), "enumeration e is epoch e");
            for (int f = 0; f < e; f++) orders[e].Should().NotEqual(orders[f]);
        }
        loader.NextEpoch.Should().Be(4);
    }

    [Fact]
    public void Limit_uses_only_the_first_samples()
    {
        var loader = new DataLoader(Numbered(20), 3, shuffle: true, seed: 2, limit: 7);
        loader.SampleCount.Should().Be(7);
        loader.Count.Should().Be(3);
        Served(loader.Epoch(0)).Order().Should().Equal(Enumerable.Range(0, 7));
        new DataLoader(Numbered(5), 2, limit: 100).SampleCount.Should().Be(5);
        FluentActions.Invoking(() => new DataLoader(Numbered(5), 2, limit: 0)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Random_transforms_are_reproducible_regardless_of_prefetch_timing()
    {
        var n = 30;
        var images = new float[n * 16];
        for (int i = 0; i < images.Length; i++) images[i] = (i % 97 + 1) / 97f;
        var ds = new InMemoryImageDataset(images, new int[n], new ImageShape(1, 4, 4), 1);
        var transform = new Compose(new RandomCrop(4, 2), new RandomHorizontalFlip());

        List<float[]> Run(bool prefetch, int sleepMs)
        {
            var result = new List<float[]>();
            foreach (var b in new DataLoader(ds, 4, shuffle: true, seed: 3, transform: transform, prefetch: prefetch).Epoch(1))
            {
                if (sleepMs > 0) Thread.Sleep(sleepMs);
                result.Add(b.Images.ToFloatArray());
            }
            return result;
        }

        var reference = Run(prefetch: false, sleepMs: 0);
        var fast = Run(prefetch: true, sleepMs: 0);
        var slow = Run(prefetch: true, sleepMs: 5);
        fast.Should().HaveCount(reference.Count);
        for (int b = 0; b < reference.Count; b++)
        {
            fast[b].Should().Equal(reference[b]);
            slow[b].Should().Equal(reference[b]);
        }
        // The transforms did something: some pixel is zero (padding) although no input pixel is.
        reference.SelectMany(x => x).Should().Contain(0f);
    }

    [Fact]
    public void Breaking_out_early_and_errors_in_the_background_surface()
    {
        var loader = new DataLoader(Numbered(40), 4, shuffle: true, seed: 4);
        loader.Epoch(0).Take(2).Should().HaveCount(2);
        var bad = new DataLoader(new ThrowingDataset(), 2);
        FluentActions.Invoking(() => bad.Epoch(0).ToList()).Should().Throw<InvalidOperationException>().WithMessage("*sample 3*");
    }

    private sealed class ThrowingDataset : IImageDataset
    {
        public int Count => 6;
        public ImageShape ImageShape => Shape;
        public int ClassCount => 2;
        public void CopyImage(int index, Span<float> destination)
        {
            if (index == 3) throw new InvalidOperationException("cannot read sample 3");
            destination.Clear();
        }
        public int Label(int index) => 0;
    }
}
