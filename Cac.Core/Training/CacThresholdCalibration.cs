using Cac.Nn;

namespace Cac.Training;

/// <summary>
/// Sets the thresholds of a model's content-aware layers so that each layer starts at a chosen sharp ratio on real
/// inputs (an initialisation for fine-tuning from a standard model; training then moves gamma and beta as usual).
/// One forward pass over a calibration batch in evaluation mode: each CAC layer, in the order the forward reaches it,
/// picks beta = -gamma * t, where t separates the lowest (1 - r) fraction of its Sobel scores G (smooth) from the rest
/// (sharp), so layer l is calibrated on the input the already-calibrated layers before it produce.
/// </summary>
public static class CacThresholdCalibration
{
    /// <summary>
    /// Calibrates every <see cref="ContentAwareConv2d"/> of <paramref name="model"/> to sharp ratio <paramref name="sharpRatio"/>
    /// on <paramref name="batch"/> (the model's input, e.g. (N, C, H, W)). Returns each layer's name and the sharp ratio it
    /// reached on the batch (ties in G can keep it from r exactly: equal scores always take the same path).
    /// The model's training mode is restored afterwards; no gradient is recorded and no batch-norm statistic changes.
    /// </summary>
    /// <exception cref="ArgumentException">r is outside [0, 1], the model has no content-aware layer, or a layer's gamma is not positive.</exception>
    public static IReadOnlyList<(string Layer, double SharpRatio)> Calibrate(Module model, Tensor batch, double sharpRatio) =>
        Calibrate(model, batch, _ => sharpRatio).Reached;

    /// <summary>
    /// As <see cref="Calibrate(Module, Tensor, double)"/> with a ratio per layer, looked up by the layer's dotted module
    /// name; also returns the model's output on the batch with the new thresholds.
    /// </summary>
    public static CacCalibrationResult Calibrate(Module model, Tensor batch, Func<string, double> sharpRatio)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(sharpRatio);
        var layers = model.NamedModules().Where(m => m.Module is ContentAwareConv2d).Select(m => (m.Name, Layer: (ContentAwareConv2d)m.Module)).ToList();
        if (layers.Count == 0) throw new ArgumentException("CacThresholdCalibration: the model has no content-aware layer");
        var targets = layers.Select(l => sharpRatio(l.Name)).ToList();
        for (int i = 0; i < layers.Count; i++)
            if (!(targets[i] >= 0 && targets[i] <= 1))
                throw new ArgumentException($"CacThresholdCalibration: the sharp ratio must lie in [0, 1], got {targets[i]} for {layers[i].Name}");

        bool wasTraining = model.Training;
        model.Eval();
        Tensor output;
        try
        {
            for (int i = 0; i < layers.Count; i++) layers[i].Layer.CalibrationTarget = targets[i];
            using (Autograd.NoGrad()) output = model.Forward(batch);
        }
        finally
        {
            foreach (var (_, layer) in layers) layer.CalibrationTarget = null;
            model.Train(wasTraining);
        }
        return new CacCalibrationResult(layers.Select(l => (l.Name, l.Layer.LastSharpRatio)).ToList(), output);
    }

    /// <summary>
    /// The score threshold t that leaves the largest <paramref name="sharpRatio"/> fraction of <paramref name="scores"/>
    /// strictly above it: midway between the two order statistics at the split (below every score for r = 1, at the
    /// largest for r = 0).
    /// </summary>
    public static double Threshold(double[] scores, double sharpRatio)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Length == 0) throw new ArgumentException("CacThresholdCalibration.Threshold: no scores");
        var sorted = (double[])scores.Clone();
        Array.Sort(sorted);
        int smooth = (int)Math.Round((1 - sharpRatio) * sorted.Length);
        if (smooth <= 0) return sorted[0] - 1;
        if (smooth >= sorted.Length) return sorted[^1];
        return 0.5 * (sorted[smooth - 1] + sorted[smooth]);
    }
}

/// <summary>What a calibration pass did: the sharp ratio each layer reached on the batch, and the model's output there.</summary>
/// <param name="Reached">Layer name and reached sharp ratio, in module order.</param>
/// <param name="Output">The model's output on the calibration batch, computed with the new thresholds (no gradient).</param>
public sealed record CacCalibrationResult(IReadOnlyList<(string Layer, double SharpRatio)> Reached, Tensor Output);
