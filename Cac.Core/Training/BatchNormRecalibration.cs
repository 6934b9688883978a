using Cac.Nn;

namespace Cac.Training;

/// <summary>
/// Re-estimates the running statistics of every <see cref="BatchNorm2d"/> of a model from a few batches (torch-style "BN
/// recalibration"): each layer's running mean and variance are reset and replaced by the cumulative average of the batch
/// statistics of <c>batches</c>, computed in training mode without gradient. Content-aware models need it because their
/// masks move during training: the running statistics, an exponential average over past steps, lag the current masks,
/// and evaluation (which uses them) then sees activations they no longer describe.
/// </summary>
public static class BatchNormRecalibration
{
    /// <summary>
    /// Recalibrates the batch norms of <paramref name="model"/> on <paramref name="batches"/> (model inputs, e.g. (N, C, H, W)).
    /// Afterwards each running mean is the mean over the batches of the batch means, and each running variance the mean of
    /// the unbiased batch variances (as torch with momentum None); num_batches_tracked counts the batches. Parameters,
    /// momenta and training modes are left as they were. Returns the number of batches used.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no batch norm, or <paramref name="batches"/> is empty.</exception>
    public static int Recalibrate(Module model, IEnumerable<Tensor> batches)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        var norms = model.NamedModules().Select(m => m.Module).OfType<BatchNorm2d>().ToList();
        if (norms.Count == 0) throw new ArgumentException($"BatchNormRecalibration: {model.GetType().Name} has no BatchNorm2d");
        var modules = model.NamedModules().Select(m => m.Module).ToList();
        var modes = modules.Select(m => m.Training).ToList();
        var momenta = norms.Select(b => b.Momentum).ToList();
        int used = 0;
        try
        {
            foreach (var bn in norms)
            {
                bn.ResetRunningStats();
                bn.Momentum = null;
            }
            model.Train();
            using var noGrad = Autograd.NoGrad();
            foreach (var x in batches)
            {
                using (TensorScope.Begin()) model.Forward(x);
                used++;
            }
        }
        finally
        {
            for (int i = 0; i < norms.Count; i++) norms[i].Momentum = momenta[i];
            for (int i = 0; i < modules.Count; i++) modules[i].Train(modes[i]);
        }
        if (used == 0) throw new ArgumentException("BatchNormRecalibration: no batch to recalibrate on");
        return used;
    }
}
