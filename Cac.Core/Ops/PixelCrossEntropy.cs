namespace Cac;

public static partial class Ops
{
    /// <summary>The label that <see cref="PixelCrossEntropy"/> and the segmentation metrics skip by default (VOC's boundary band).</summary>
    public const int SegmentationIgnoreIndex = 255;

    /// <summary>
    /// Per-pixel softmax cross-entropy for dense prediction, as PyTorch's <c>F.cross_entropy(logits, labels, weight,
    /// ignore_index, reduction="mean")</c>: logits (N, classes, H, W), labels Int32 (N, H, W) with values in [0, classes) or
    /// <paramref name="ignoreIndex"/>. The loss is sum_p w[y_p] (-log softmax(x_p)[y_p]) / sum_p w[y_p] over the pixels p
    /// whose label is not ignored (w = 1 without <paramref name="classWeights"/>). When every pixel is ignored the loss is 0
    /// with a zero gradient (PyTorch returns NaN there; a random crop of padding alone should not end a run).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes, dtypes or devices disagree, a label is out of range (named with its
    /// position), or a class weight is negative or not finite.</exception>
    public static Tensor PixelCrossEntropy(Tensor logits, Tensor labels, IReadOnlyList<double>? classWeights = null, int ignoreIndex = SegmentationIgnoreIndex)
    {
        const string op = "pixel_cross_entropy";
        RequireRank(logits, 4, op, "(N, classes, H, W)");
        RequireFloat(logits, op);
        int n = logits.Dims[0], classes = logits.Dims[1], h = logits.Dims[2], w = logits.Dims[3];
        if (labels.DType != DType.Int32)
            throw new ArgumentException($"{op}: labels must be int32, got {labels.DType.Name()} of shape {Shape.Format(labels.Dims)}");
        if (labels.Rank != 3 || labels.Dims[0] != n || labels.Dims[1] != h || labels.Dims[2] != w)
            throw new ArgumentException($"{op}: labels must have shape ({n}, {h}, {w}) for logits of shape {Shape.Format(logits.Dims)}, got {Shape.Format(labels.Dims)}");
        if (labels.Device != logits.Device)
            throw new ArgumentException($"{op}: logits and labels are on different devices ({logits.Device} and {labels.Device})");
        if (classWeights is not null && classWeights.Count != classes)
            throw new ArgumentException($"{op}: {classWeights.Count} class weights for {classes} classes");
        if (classWeights is not null && classWeights.Any(v => !(v >= 0) || double.IsInfinity(v)))
            throw new ArgumentException($"{op}: class weights must be finite and non-negative, got [{string.Join(", ", classWeights)}]");

        // targets: (N*H*W, classes), the pixel's class weight at its label and 0 elsewhere (a whole zero row when ignored).
        int pixels = n * h * w;
        var values = labels.ToIntArray();
        var targets = new double[(long)pixels * classes];
        double weightSum = 0;
        for (int p = 0; p < pixels; p++)
        {
            int label = values[p];
            if (label == ignoreIndex) continue;
            if (label < 0 || label >= classes)
                throw new ArgumentException($"{op}: label {label} at (n {p / (h * w)}, y {p / w % h}, x {p % w}) is out of range [0, {classes}) and not the ignore index {ignoreIndex}");
            double weight = classWeights?[label] ?? 1.0;
            targets[(long)p * classes + label] = weight;
            weightSum += weight;
        }
        if (weightSum == 0) return Affine(Sum(logits), 0, 0);

        // logProbs: (N*H*W, classes), the channel axis last.
        var logProbs = LogSoftmax(Reshape(Permute(logits, 0, 2, 3, 1), pixels, classes));
        var targetTensor = Tensor.FromArray(targets, [pixels, classes], logits.Device).To(logits.DType);
        return Affine(Sum(Mul(logProbs, targetTensor)), -1.0 / weightSum, 0);
    }
}
