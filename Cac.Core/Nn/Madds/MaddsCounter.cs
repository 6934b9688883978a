using Cac.Nn;

namespace Cac.Madds;

/// <summary>
/// Counts a model's multiply-adds with a real forward pass: the layers report their per-sample cost into a
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
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        var modules = model.NamedModules().ToList();
        var modes = modules.Select(m => m.Module.Training).ToList();
        IReadOnlyList<(Module Layer, double Madds)> entries;
        try
        {
            model.Eval();
            using var noGrad = Autograd.NoGrad();
            using var scope = MaddsScope.Begin();
            model.Forward(input);
            entries = scope.Entries;
        }
        finally
        {
            // Pre-order: a parent's Train(mode) is overridden by its children's own calls that follow.
            for (int i = 0; i < modules.Count; i++) modules[i].Module.Train(modes[i]);
        }

        var position = new Dictionary<Module, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < modules.Count; i++) position[modules[i].Module] = i;
        var layers = entries
            .OrderBy(e => position.TryGetValue(e.Layer, out var p) ? p : int.MaxValue)
            .Select(e => new LayerMadds(
                position.TryGetValue(e.Layer, out var p) ? NameOf(modules[p].Name) : "(unregistered)",
                e.Layer.GetType().Name,
                (long)Math.Round(e.Madds)))
            .ToList();
        return new MaddsReport(layers);

        static string NameOf(string dotted) => dotted.Length == 0 ? "(model)" : dotted;
    }
}
