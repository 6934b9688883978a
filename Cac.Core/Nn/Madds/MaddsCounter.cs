using Cac.Nn;

namespace Cac.Madds;

/// <summary>
/// Counts a model's multiply-adds with a real forward pass: the layers give their per-sample cost (<see cref="IMaddsCounted"/>) to a
/// <see cref="MaddsScope"/>, and the counter names them by their dotted module names. The pass runs without
/// gradients and in evaluation mode (so batch-norm statistics are left alone); each module's training flag is
/// restored afterwards.
/// </summary>
public static class MaddsCounter
{
    /// <summary>Counts with a dummy N(0, 1) input of <paramref name="inputShape"/>, e.g. (1, 3, 32, 32), in the model's dtype and on its device.</summary>
    public static MaddsReport Count(Module model, params int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length == 0 || inputShape.Any(d => d <= 0))
            throw new ArgumentException($"MaddsCounter: the input shape must have positive dimensions, got {Shape.Format(inputShape)}");
        var reference = model.Parameters().FirstOrDefault();
        var input = Tensor.RandN(inputShape, new Generator(0), dtype: reference?.DType ?? DType.Float32,
            device: reference?.Device ?? Device.Cpu);
        return Count(model, input);
    }

    /// <summary>Counts with <paramref name="input"/> (a real batch gives content-aware layers their real sharp ratios).</summary>
    public static MaddsReport Count(Module model, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Count(model, [input]);
    }

    /// <summary>
    /// Counts over several batches (for example a test set): each layer's per-sample MAdds averaged over every sample,
    /// so content-aware layers are costed at their sharp ratio over all the batches. Batches are consumed one at a time.
    /// </summary>
    public static MaddsReport Count(Module model, IEnumerable<Tensor> batches)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        var modules = model.NamedModules().ToList();
        var modes = modules.Select(m => m.Module.Training).ToList();
        var totals = new Dictionary<Module, double>(ReferenceEqualityComparer.Instance);
        long samples = 0;
        try
        {
            model.Eval();
            using var noGrad = Autograd.NoGrad();
            foreach (var input in batches)
            {
                ArgumentNullException.ThrowIfNull(input);
                int n = input.Rank == 0 ? 1 : input.Dims[0];
                using var scope = MaddsScope.Begin();
                model.Forward(input);
                foreach (var (layer, madds) in scope.Entries)
                    totals[layer] = totals.GetValueOrDefault(layer) + madds * n;
                samples += n;
            }
        }
        finally
        {
            // Pre-order: a parent's Train(mode) is overridden by its children's own calls that follow.
            for (int i = 0; i < modules.Count; i++) modules[i].Module.Train(modes[i]);
        }
        if (samples == 0) throw new ArgumentException("MaddsCounter: no input batch was given");

        var position = new Dictionary<Module, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < modules.Count; i++) position[modules[i].Module] = i;
        var layers = totals
            .OrderBy(e => position.TryGetValue(e.Key, out var p) ? p : int.MaxValue)
            .Select(e => new LayerMadds(
                position.TryGetValue(e.Key, out var p) ? NameOf(modules[p].Name) : "(unregistered)",
                e.Key.GetType().Name,
                (long)Math.Round(e.Value / samples)))
            .ToList();
        return new MaddsReport(layers);

        static string NameOf(string dotted) => dotted.Length == 0 ? "(model)" : dotted;
    }
}
