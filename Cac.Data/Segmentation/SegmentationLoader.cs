namespace Cac.Data;

/// <summary>A batch of a segmentation loader: images (N, 3, H, W), normalised, and labels Int32 (N, H, W) (255 ignored).</summary>
/// <param name="Images">The normalised images.</param>
/// <param name="Labels">The class of every pixel.</param>
public sealed record SegmentationBatch(Tensor Images, Tensor Labels)
{
    /// <summary>Samples in the batch.</summary>
    public int Size => Images.Dims[0];
}

/// <summary>
/// Batches of a <see cref="VocSegmentationDataset"/>: each sample is decoded, passed through a joint transform that must
/// give every sample the same size (a crop for training, a resize for evaluation), normalised per channel, and stacked.
/// The order is a seeded permutation per epoch when shuffling, and each sample's transform draws from a generator seeded by
/// (seed, epoch, position) (<see cref="SeedMix"/>), so a run does not depend on how the samples of a batch are spread
/// over threads.
/// </summary>
public sealed class SegmentationLoader
{
    private readonly VocSegmentationDataset _data;
    private readonly ISegmentationTransform _transform;
    private readonly float[] _mean, _std;
    private readonly Device _device;

    /// <summary>
    /// Creates the loader over the first <paramref name="limit"/> samples (all when null), normalising channel c as
    /// (x - mean[c]) / std[c].
    /// </summary>
    public SegmentationLoader(VocSegmentationDataset data, int batchSize, ISegmentationTransform transform, bool shuffle, int seed,
        IReadOnlyList<float> mean, IReadOnlyList<float> std, int? limit = null, Device? device = null)
    {
        if (batchSize < 1) throw new ArgumentException($"SegmentationLoader: batch size {batchSize} must be at least 1");
        if (mean.Count != SegmentationSample.Channels || std.Count != SegmentationSample.Channels)
            throw new ArgumentException("SegmentationLoader: mean and std need one value per RGB channel");
        _data = data;
        _transform = transform;
        _mean = [.. mean];
        _std = [.. std];
        _device = device ?? Device.Cpu;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        SampleCount = Math.Min(limit ?? data.Count, data.Count);
    }

    /// <summary>Samples per batch (the last batch may be smaller).</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the samples in a new seeded order.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed of the order and of the transforms.</summary>
    public int Seed { get; }

    /// <summary>Samples per epoch.</summary>
    public int SampleCount { get; }

    /// <summary>Batches per epoch.</summary>
    public int Count => (SampleCount + BatchSize - 1) / BatchSize;

    /// <summary>The batches of epoch <paramref name="epoch"/>.</summary>
    public IEnumerable<SegmentationBatch> Epoch(int epoch)
    {
        var order = Enumerable.Range(0, SampleCount).ToArray();
        if (Shuffle) new Random(SeedMix.Permutation(Seed, epoch)).Shuffle(order);
        for (int start = 0; start < SampleCount; start += BatchSize)
        {
            int n = Math.Min(BatchSize, SampleCount - start);
            var samples = new SegmentationSample[n];
            Parallel.For(0, n, i => samples[i] = _transform.Apply(_data.Read(order[start + i]), new Generator(SeedMix.Batch(Seed, epoch, start + i))));
            yield return Stack(samples);
        }
    }

    private SegmentationBatch Stack(SegmentationSample[] samples)
    {
        int h = samples[0].Height, w = samples[0].Width, plane = h * w;
        var bad = samples.FirstOrDefault(s => s.Height != h || s.Width != w);
        if (bad is not null)
            throw new InvalidOperationException($"SegmentationLoader: the transform gave samples of {w} x {h} and {bad.Width} x {bad.Height}; end it with a crop or a resize");
        var images = new float[samples.Length * SegmentationSample.Channels * plane];
        var labels = new int[samples.Length * plane];
        for (int i = 0; i < samples.Length; i++)
        {
            for (int c = 0; c < SegmentationSample.Channels; c++)
                for (int p = 0; p < plane; p++)
                    images[(i * SegmentationSample.Channels + c) * plane + p] = (samples[i].Image[c * plane + p] - _mean[c]) / _std[c];
            for (int p = 0; p < plane; p++) labels[i * plane + p] = samples[i].Mask[p];
        }
        return new SegmentationBatch(Tensor.FromArray(images, [samples.Length, SegmentationSample.Channels, h, w], _device),
            Tensor.FromArray(labels, [samples.Length, h, w], _device));
    }
}
