using System.Collections;

namespace Cac.Data;

/// <summary>
/// Yields mini-batches of an image dataset: images (B, C, H, W) float32 and labels (B) Int32 on a device.
/// <para>
/// Determinism: epoch e's order is a permutation drawn from a generator seeded by (seed, e), and
/// batch b's transforms draw from a generator seeded by (seed, e, b). The batches therefore depend only on
/// the seed, the epoch and the batch index, never on the background prefetch's timing.
/// </para>
/// <para>
/// Prefetch: while the caller uses batch b, batches b + 1 to b + <see cref="Workers"/> are assembled (read, decoded,
/// transformed) on background tasks, one per batch, so at most that many batches are in memory besides the caller's;
/// the upload to the device happens on the enumerating thread. An exception in a worker is rethrown on the enumerating
/// thread when its batch is due; stopping an enumeration early cancels the batches in flight.
/// </para>
/// <para>
/// Bad samples: a sample whose read fails with <see cref="InvalidDataException"/> or <see cref="IOException"/> (a corrupt
/// or unreadable file) stops the enumeration with that exception under <see cref="BadSamplePolicy.Stop"/>; under
/// <see cref="BadSamplePolicy.Skip"/> it is left out of its batch (which comes out smaller; an emptied batch is not
/// yielded), and its message (naming the file) is added to <see cref="Skipped"/> when its batch is due.
/// </para>
/// </summary>
public sealed class DataLoader : IEnumerable<Batch>
{
    private readonly IImageTransform? _transform;
    private readonly bool _prefetch;
    private int _nextEpoch;
    private readonly List<string> _skipped = [];

    /// <summary>Creates a loader.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (the last one may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">A new seeded permutation each epoch; otherwise dataset order.</param>
    /// <param name="seed">Seed of the shuffles and of the transforms' randomness.</param>
    /// <param name="dropLast">Skip a final batch smaller than <paramref name="batchSize"/>.</param>
    /// <param name="transform">Applied to each image; may change its shape (crop).</param>
    /// <param name="limit">Use only the first <paramref name="limit"/> samples of the dataset (quick runs); null for all.</param>
    /// <param name="device">Where the batch tensors live; CPU by default.</param>
    /// <param name="prefetch">Prepare the next batches on background tasks.</param>
    /// <param name="workers">Batches prepared at once ahead of the caller, each on its own background task (with prefetch).</param>
    /// <param name="badSamples">What to do with a sample that cannot be read.</param>
    public DataLoader(IImageDataset dataset, int batchSize, bool shuffle = false, int seed = 0, bool dropLast = false,
        IImageTransform? transform = null, int? limit = null, Device? device = null, bool prefetch = true, int workers = 1,
        BadSamplePolicy badSamples = BadSamplePolicy.Stop)
    {
        if (batchSize <= 0) throw new ArgumentException($"DataLoader: batch size must be positive, not {batchSize}");
        if (limit is <= 0) throw new ArgumentException($"DataLoader: limit must be positive, not {limit}");
        if (workers <= 0) throw new ArgumentException($"DataLoader: workers must be positive, not {workers}");
        if (dataset.SizesVary && transform is null)
            throw new ArgumentException("DataLoader: the dataset's images differ in size; give a transform that makes them one size (RandomResizedCrop, or ResizeShorterSide and CenterCrop)");
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        _transform = transform;
        _prefetch = prefetch;
        Workers = workers;
        BadSamples = badSamples;
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

    /// <summary>Batches prepared at once ahead of the caller.</summary>
    public int Workers { get; }

    /// <summary>What happens to a sample that cannot be read.</summary>
    public BadSamplePolicy BadSamples { get; }

    /// <summary>Why each sample skipped so far was left out, over every enumeration, in batch order (<see cref="BadSamplePolicy.Skip"/>).</summary>
    public IReadOnlyList<string> Skipped
    {
        get { lock (_skipped) return _skipped.ToArray(); }
    }

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
        var pending = new Queue<Task<HostBatch>>();
        using var stop = new CancellationTokenSource();
        int next = 0; // the next batch to start on a worker
        try
        {
            for (int b = 0; b < count; b++)
            {
                HostBatch host;
                if (_prefetch)
                {
                    for (; next < count && next < b + 1 + Workers; next++)
                    {
                        int batch = next;
                        pending.Enqueue(Task.Run(() => Assemble(order, epoch, batch, stop.Token), stop.Token));
                    }
                    host = pending.Dequeue().GetAwaiter().GetResult();
                }
                else host = Assemble(order, epoch, b, CancellationToken.None);
                lock (_skipped) _skipped.AddRange(host.Skipped);
                if (host.Indices.Length == 0) continue;
                yield return new Batch(
                    Tensor.FromArray(host.Images, [host.Indices.Length, OutputShape.Channels, OutputShape.Height, OutputShape.Width], Device),
                    Tensor.FromArray(host.Labels, [host.Indices.Length], Device),
                    host.Indices, epoch, b);
            }
        }
        finally
        {
            // Stopped early or failed: cancel the batches in flight and observe whatever they throw.
            stop.Cancel();
            foreach (var task in pending)
                try { task.Wait(); }
                catch (AggregateException) { }
        }
    }

    // Reads and transforms batch `batch` of the epoch into host arrays. images: (B, C, H, W), B less the skipped samples.
    private HostBatch Assemble(int[] order, int epoch, int batch, CancellationToken cancel)
    {
        int start = batch * BatchSize;
        int size = Math.Min(BatchSize, SampleCount - start);
        int outLength = OutputShape.Length;
        var images = new float[size * outLength];
        var kept = new List<int>(size);
        var skipped = new List<string>();
        var generator = new Generator(SeedMix.Batch(Seed, epoch, batch));
        float[]? scratch = _transform is null || Dataset.SizesVary ? null : new float[Dataset.ImageShape.Length];
        foreach (int index in order.AsSpan(start, size))
        {
            cancel.ThrowIfCancellationRequested();
            var slot = images.AsSpan(kept.Count * outLength, outLength);
            try
            {
                Read(index, slot, scratch, generator);
            }
            catch (Exception e) when (BadSamples == BadSamplePolicy.Skip && e is InvalidDataException or IOException)
            {
                skipped.Add(e.Message);
                continue;
            }
            kept.Add(index);
        }
        var indices = kept.ToArray();
        return new HostBatch(images.AsSpan(0, indices.Length * outLength).ToArray(), Array.ConvertAll(indices, Dataset.Label), indices, skipped.ToArray());
    }

    // Image `index`, transformed, into slot (OutputShape); scratch: the untransformed image of a fixed-size dataset.
    private void Read(int index, Span<float> slot, float[]? scratch, Generator generator)
    {
        if (Dataset.SizesVary)
        {
            var (pixels, shape) = Dataset.ReadImage(index);
            var outShape = _transform!.OutputShape(shape);
            if (outShape != OutputShape)
                throw new InvalidDataException($"sample {index}: an image of shape {shape} comes out of the transforms as {outShape}, not the loader's {OutputShape}");
            _transform.Apply(pixels, slot, shape, generator);
        }
        else if (scratch is null) Dataset.CopyImage(index, slot);
        else
        {
            Dataset.CopyImage(index, scratch);
            _transform!.Apply(scratch, slot, Dataset.ImageShape, generator);
        }
    }

    private sealed record HostBatch(float[] Images, int[] Labels, int[] Indices, string[] Skipped);
}
