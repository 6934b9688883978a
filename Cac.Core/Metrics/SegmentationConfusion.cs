namespace Cac.Metrics;

/// <summary>
/// The confusion matrix of a semantic segmentation, accumulated pixel by pixel over any number of images, and the
/// standard scores read from it: per-class intersection over union, mean IoU and pixel accuracy (as VOC's evaluation
/// and torchvision's reference scripts compute them). Pixels whose ground truth is the ignore label are skipped.
/// </summary>
public sealed class SegmentationConfusion
{
    private readonly long[] _counts; // (classes, classes): [truth * classes + prediction]

    /// <summary>An empty matrix over <paramref name="classes"/> classes that skips ground truth <paramref name="ignoreIndex"/>.</summary>
    public SegmentationConfusion(int classes, int ignoreIndex = Ops.SegmentationIgnoreIndex)
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "a segmentation needs at least one class");
        Classes = classes;
        IgnoreIndex = ignoreIndex;
        _counts = new long[classes * classes];
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>The ground-truth label that is not counted.</summary>
    public int IgnoreIndex { get; }

    /// <summary>The pixels counted so far (ignored pixels excluded).</summary>
    public long Pixels => _counts.Sum();

    /// <summary>The pixels of ground truth <paramref name="truth"/> predicted as <paramref name="prediction"/>.</summary>
    public long Count(int truth, int prediction) => _counts[truth * Classes + prediction];

    /// <summary>
    /// Counts one batch: <paramref name="truth"/> and <paramref name="predictions"/> hold the same pixels in the same order.
    /// Truth equal to <see cref="IgnoreIndex"/> is skipped; any other value outside [0, classes) is an error.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ or a label is out of range (named with its index).</exception>
    public void Add(ReadOnlySpan<int> truth, ReadOnlySpan<int> predictions)
    {
        if (truth.Length != predictions.Length)
            throw new ArgumentException($"segmentation confusion: {truth.Length} ground-truth pixels but {predictions.Length} predictions");
        for (int i = 0; i < truth.Length; i++)
        {
            int t = truth[i], p = predictions[i];
            if (t == IgnoreIndex) continue;
            if ((uint)t >= (uint)Classes)
                throw new ArgumentException($"segmentation confusion: ground truth {t} at pixel {i} is out of range [0, {Classes}) and not the ignore index {IgnoreIndex}");
            if ((uint)p >= (uint)Classes)
                throw new ArgumentException($"segmentation confusion: prediction {p} at pixel {i} is out of range [0, {Classes})");
            _counts[t * Classes + p]++;
        }
    }

    /// <summary>
    /// Intersection over union of class <paramref name="c"/>: TP / (TP + FP + FN). NaN when the class occurs neither in
    /// the ground truth nor in the predictions (its union is empty, so it has no score).
    /// </summary>
    public double IoU(int c)
    {
        long truePositive = Count(c, c), union = -truePositive;
        for (int k = 0; k < Classes; k++) union += Count(c, k) + Count(k, c);
        return union == 0 ? double.NaN : (double)truePositive / union;
    }

    /// <summary>Every class's IoU (NaN for a class with an empty union).</summary>
    public double[] PerClassIoU() => Enumerable.Range(0, Classes).Select(IoU).ToArray();

    /// <summary>The mean of the per-class IoUs over the classes that have a score (NaN when none has).</summary>
    public double MeanIoU()
    {
        var scored = PerClassIoU().Where(v => !double.IsNaN(v)).ToArray();
        return scored.Length == 0 ? double.NaN : scored.Average();
    }

    /// <summary>The share of counted pixels predicted correctly (NaN before any pixel is counted).</summary>
    public double PixelAccuracy()
    {
        long correct = 0;
        for (int c = 0; c < Classes; c++) correct += Count(c, c);
        long pixels = Pixels;
        return pixels == 0 ? double.NaN : (double)correct / pixels;
    }
}
