using Cac.Nn;

namespace Cac.Training;

/// <summary>
/// The typical magnitude of each content-aware layer's score map G (mean of G over a batch), measured on the inputs the
/// layers see in one evaluation-mode forward. G's scale differs by layer (the input image vs. deep batch-normed features),
/// so one learning rate moves the threshold -beta/gamma by very different amounts of G per layer.
/// <see cref="NormaliseLearningRates"/> scales each layer's threshold learning rates so that, in units of its own mean G,
/// every threshold moves at the same rate. With the gated gradient (<see cref="CacScoreGradient.Gated"/>) beta's rate is
/// scaled by mean G and gamma's by 1 / mean G (gamma multiplies G, whose scale its gradient already carries). The sigmoid
/// surrogate's slope sigma'(s / T) / T carries 1 / mean G more (T is in units of mean G), so there beta's rate is scaled by
/// mean G squared and gamma's is left as it is.
/// </summary>
public static class CacScoreScale
{
    /// <summary>
    /// Mean of G = <see cref="Ops.CacScoreMap"/> of each <see cref="ContentAwareConv2d"/> of <paramref name="model"/> on its
    /// input when the model runs on <paramref name="batch"/>, by dotted module name in module order. The model's training
    /// modes are restored; no gradient is recorded and no batch-norm statistic changes.
    /// </summary>
    public static IReadOnlyList<(string Name, ContentAwareConv2d Layer, double MeanG)> Measure(Module model, Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        var layers = model.NamedModules().Where(m => m.Module is ContentAwareConv2d).Select(m => (m.Name, Layer: (ContentAwareConv2d)m.Module)).ToList();
        if (layers.Count == 0) throw new ArgumentException("CacScoreScale: the model has no content-aware layer");
        var hook = new Hook();
        var modules = model.NamedModules().Select(m => m.Module).ToList();
        var modes = modules.Select(m => m.Training).ToList();
        try
        {
            model.Eval();
            using var noGrad = Autograd.NoGrad();
            using var installed = ForwardHooks.Install(hook);
            using var scope = TensorScope.Begin();
            model.Forward(batch);
        }
        finally
        {
            for (int i = 0; i < modules.Count; i++) modules[i].Train(modes[i]);
        }
        return layers.Select(l => (l.Name, l.Layer, hook.MeanG.TryGetValue(l.Layer, out var meanG)
            ? meanG : throw new ArgumentException($"CacScoreScale: layer '{l.Name}' did not run in the forward pass"))).ToList();
    }

    /// <summary>
    /// Gives each layer's beta the learning rate <paramref name="factor"/> x mean G x lr and its gamma
    /// <paramref name="factor"/> / mean G x lr (<see cref="Optim.Optimizer.ScaleLearningRate"/>), from <see cref="Measure"/> on
    /// <paramref name="batch"/>, for a layer that learns from the gated gradient; for the sigmoid surrogate, beta's
    /// <paramref name="factor"/> x mean G² x lr and gamma's <paramref name="factor"/> x lr. A layer whose mean G is 0 keeps
    /// <paramref name="factor"/> for both. Returns the measurement.
    /// </summary>
    public static IReadOnlyList<(string Name, ContentAwareConv2d Layer, double MeanG)> NormaliseLearningRates(
        Module model, Optim.Optimizer optimizer, Tensor batch, double factor)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var scales = Measure(model, batch);
        foreach (var (_, layer, meanG) in scales)
        {
            double s = meanG > 0 && double.IsFinite(meanG) ? meanG : 1;
            double slope = layer.ScoreGradient == CacScoreGradient.Sigmoid ? s : 1;      // the surrogate's extra 1 / mean G
            optimizer.ScaleLearningRate([layer.Beta], factor * s * slope);
            optimizer.ScaleLearningRate([layer.Gamma], factor / s * slope);
        }
        return scales;
    }

    private sealed class Hook : IForwardHook
    {
        public Dictionary<ContentAwareConv2d, double> MeanG { get; } = new(ReferenceEqualityComparer.Instance);

        public void Enter(Module module) { }

        public void Exit(Module module, object input, object? output)
        {
            if (module is not ContentAwareConv2d cac || input is not Tensor x) return;
            var scoreMap = Ops.CacScoreMap(x, cac.KernelSize, cac.Stride, cac.Padding, cac.Dilation);
            MeanG[cac] = Ops.Mean(scoreMap).Item();
        }
    }
}
