using System.Collections;

namespace Cac.Data;

/// <summary>
/// Yields mini-batches of an image dataset: images (B, C, H, W) float32 and labels (B) Int32 on a device.
/// <para>
/// Determinism: epoch e's order is a permutation drawn from a generator seeded by (seed, e), and
/// batch b's transforms draw from a generator seeded by (seed, e, b). The batches therefore depend only on
/// the seed, the epoch and the batch index, never on the background prefetch's timing.
/// </para>
/// Prefetch: while the caller uses batch b, batch b + 1 is assembled (read, transformed) on a background
/// task; the upload to the device happens on the enumerating thread.
/// </summary>
public sealed class DataLoader : IEnumerable<Batch>
{
    private readonly IImageTransform? _transform;
    private readonly bool _prefetch;
    private int _nextEpoch;

    /// <summary>Creates a loader.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (the last one may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">A new seeded permutation each epoch; otherwise dataset order.</param>
    /// <param name="seed">Seed of the shuffles and of the transforms' randomness.</param>
    /// <param name="dropLast">Skip a final batch smaller than <paramref name="batchSize"/>.</param>
    /// <param name="transform">Applied to each image; may change its shape (crop).</param>
    /// <param name="limit">Use only the first <paramref name="limit"/> samples of the dataset (quick runs); null for all.</param>
    /// <param name="device">Where the batch tensors live; CPU by default.</param>
    /// <param name="prefetch">Prepare the next batch on a background task.</param>
    public DataLoader(IImageDataset dataset, int batchSize, bool shuffle = false, int seed = 0, bool dropLast = false,
        IImageTransform? transform = null, int? limit = null, Device? device = null, bool prefetch = true)
    {
        if (batchSize <= 0) throw new ArgumentException($"DataLoader: batch size must be positive, not {batchSize}");
        if (limit is <= 0) throw new ArgumentException($"DataLoader: limit must be positive, not {limit}");
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        _transform = transform;
        _prefetch = prefetch;
        Device = device ?? Device.Cpu;
        SampleCount = Math.Min(dataset.Count, limit ?? int.MaxValue);
        OutputShape = transform?.OutputShape(dataset.ImageShape) ?? dataset.ImageShape;
    }

    /// <summary>The dataset.</summary>
    public IImageDataset Dataset { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch uses a new permutation.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed of the shuffles and transforms.</summary>
    public int Seed { get; }

    /// <summary>Whether a final partial batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>The device of the batch tensors.</summary>
    public Device Device { get; }

    /// <summary>Samples used per epoch: the dataset size, or the limit when smaller.</summary>
    public int SampleCount { get; }

    /// <summary>Shape of one image in a batch (after the transform).</summary>
    public ImageShape OutputShape { get; }

    /// <summary>Batches per epoch.</summary>
    public int Count => DropLast ? SampleCount / BatchSize : (SampleCount + BatchSize - 1) / BatchSize;

    /// <summary>The epoch the next plain enumeration (foreach over the loader) runs; each enumeration advances it.</summary>
    public int NextEpoch
    {
        get => Volatile.Read(ref _nextEpoch);
        set => Volatile.Write(ref _nextEpoch, value >= 0 ? value : throw new ArgumentException($"DataLoader: epoch must be non-negative, not {value}"));
    }

    /// <summary>The dataset indices of epoch <paramref name="epoch"/>, in the order they are served (all <see cref="SampleCount"/> of them).</summary>
    public int[] Order(int epoch)
    {
        if (epoch < 0) throw new ArgumentException($"DataLoader: epoch must be non-negative, not {epoch}");
        return Shuffle ? new Generator(SeedMix.Permutation(Seed, epoch)).Permutation(SampleCount) : Enumerable.Range(0, SampleCount).ToArray();
    }

    /// <summary>The batches of epoch <paramref name="epoch"/> (reproducible: enumerate it any number of times).</summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        var order = Order(epoch);
        return Iterate(order, epoch);
    }

    /// <summary>Enumerates the next epoch (<see cref="NextEpoch"/>, then advances it): foreach over the loader reshuffles each time.</summary>
    public IEnumerator<Batch> GetEnumerator() => Epoch(Interlocked.Increment(ref _nextEpoch) - 1).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<Batch> Iterate(int[] order, int epoch)
    {
        int count = Count;
        Task<HostBatch>? next = null;
        try
        {
            if (_prefetch && count > 0) next = Prepare(order, epoch, 0);
            for (int b = 0; b < count; b++)
            {
                HostBatch host;
                if (next is not null)
                {
                    host = next.GetAwaiter().GetResult();
                    next = b + 1 < count ? Prepare(order, epoch, b + 1) : null;
                }
                else host = Assemble(order, epoch, b);
                yield return new Batch(
                    Tensor.FromArray(host.Images, [host.Indices.Length, OutputShape.Channels, OutputShape.Height, OutputShape.Width], Device),
                    Tensor.FromArray(host.Labels, [host.Indices.Length], Device),
                    host.Indices, epoch, b);
            }
        }
        finally
        {
            // Stopped early: let the pending batch finish on its own, observing any exception it throws.
            next?.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
        }
    }

    private Task<HostBatch> Prepare(int[] order, int epoch, int batch) =>
        Task.Run(() => Assemble(order, epoch, batch));

    // Reads and transforms batch `batch` of the epoch into host arrays. images: (B, C, H, W).
    private HostBatch Assemble(int[] order, int epoch, int batch)
    {
        int start = batch * BatchSize;
        int size = Math.Min(BatchSize, SampleCount - start);
        var indices = order.AsSpan(start, size).ToArray();
        int outLength = OutputShape.Length;
        var images = new float[size * outLength];
        var labels = new int[size];
        var inShape = Dataset.ImageShape;
        float[]? scratch = _transform is null ? null : new float[inShape.Length];
        var generator = new Generator(SeedMix.Batch(Seed, epoch, batch));
        for (int i = 0; i < size; i++)
        {
            var slot = images.AsSpan(i * outLength, outLength);
            if (scratch is null) Dataset.CopyImage(indices[i], slot);
            else
            {
                Dataset.CopyImage(indices[i], scratch);
                _transform!.Apply(scratch, slot, inShape, generator);
            }
            labels[i] = Dataset.Label(indices[i]);
        }
        return new HostBatch(images, labels, indices);
    }

    private sealed record HostBatch(float[] Images, int[] Labels, int[] Indices);
}
