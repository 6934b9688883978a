using Cac.Nn;

namespace Cac.Training;

/// <summary>
/// Chooses a sharp ratio per content-aware layer that meets a MAdds budget while hurting the loss least, and sets the
/// thresholds accordingly (<see cref="CacThresholdCalibration"/>): an initialisation for fine-tuning a standard model's
/// weights in a CAC model. Layers differ widely in how much a smooth window costs them (a layer whose input is flat
/// where the image background is loses almost nothing), which one ratio for every layer ignores.
/// <para>
/// Method, on one labelled batch in evaluation mode: measure each layer's sensitivity alone, the cross-entropy with that
/// layer at each ratio of <see cref="Levels"/> and every other layer fully sharp (the standard network); then, starting
/// from all layers sharp, repeatedly lower by one level the layer whose next step adds the least measured loss per MAdd
/// saved, until the model's MAdds are within the budget. Sensitivities are treated as additive (one pass per layer and
/// level, 1 + layers * 4 forward passes in all), an approximation a greedy search over joint passes would refine.
/// </para>
/// </summary>
public static class CacBudgetCalibration
{
    /// <summary>The sharp ratios a layer may take, from fully sharp down to fully smooth.</summary>
    public static IReadOnlyList<double> Levels { get; } = [1.0, 0.75, 0.5, 0.25, 0.0];

    /// <summary>
    /// Calibrates the CAC layers of <paramref name="cost"/>'s model so that its MAdds (at the chosen per-layer ratios) are at
    /// most <paramref name="maddsFraction"/> of the standard network's. images: (N, C, H, W), labels: (N) Int32.
    /// Returns the chosen ratio per layer name, in module order, and the per-sample MAdds at those ratios.
    /// <paramref name="progress"/> gets a line per measured layer.
    /// </summary>
    /// <exception cref="ArgumentException">The fraction is outside (0, 1] or below what every layer fully smooth costs.</exception>
    public static CacBudget Calibrate(CostAwareObjective cost, Tensor images, Tensor labels,
        double maddsFraction, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(cost);
        double floor = cost.Madds(_ => 0) / cost.BaselineMadds;
        if (!(maddsFraction > 0 && maddsFraction <= 1))
            throw new ArgumentException($"CacBudgetCalibration: the MAdds fraction must lie in (0, 1], got {maddsFraction}");
        if (maddsFraction < floor)
            throw new ArgumentException($"CacBudgetCalibration: a MAdds fraction of {maddsFraction} is below {floor:F4}, the cost with every CAC layer fully smooth");

        var model = cost.Model;
        double Loss(Func<string, double> ratios)
        {
            var output = CacThresholdCalibration.Calibrate(model, images, ratios).Output;
            using var _ = Autograd.NoGrad();
            return Ops.CrossEntropy(output, labels).Item();
        }

        // added[l][i]: loss increase with layer l alone at Levels[i] (0 at level 0, fully sharp).
        double standard = Loss(_ => 1.0);
        var layers = cost.Layers;
        var added = new double[layers.Count][];
        for (int l = 0; l < layers.Count; l++)
        {
            string name = layers[l].Name;
            added[l] = new double[Levels.Count];
            for (int i = 1; i < Levels.Count; i++) added[l][i] = Loss(n => n == name ? Levels[i] : 1.0) - standard;
            progress?.Invoke($"{name}: loss +{string.Join(" / +", added[l].Skip(1).Select(d => d.ToString("F4")))} at sharp ratio {string.Join(" / ", Levels.Skip(1))}");
        }

        var level = new int[layers.Count];
        var index = layers.Select((c, l) => (c.Layer, l)).ToDictionary(p => p.Layer, p => p.l);
        double Budget() => cost.Madds(layer => Levels[level[index[layer]]]);
        while (Budget() > maddsFraction * cost.BaselineMadds)
        {
            int best = -1;
            double bestPrice = double.PositiveInfinity;
            for (int l = 0; l < layers.Count; l++)
            {
                int i = level[l];
                if (i + 1 >= Levels.Count) continue;
                double saved = layers[l].Madds(Levels[i]) - layers[l].Madds(Levels[i + 1]);
                double price = (added[l][i + 1] - added[l][i]) / saved;
                if (price < bestPrice) (best, bestPrice) = (l, price);
            }
            if (best < 0) break;   // every layer fully smooth (the budget equals the floor up to rounding)
            level[best]++;
        }

        var chosen = layers.Select((c, l) => (c.Name, Levels[level[l]])).ToList();
        var byName = chosen.ToDictionary(c => c.Name, c => c.Item2);
        CacThresholdCalibration.Calibrate(model, images, n => byName[n]);
        return new CacBudget(chosen, Budget());
    }
}

/// <summary>The outcome of <see cref="CacBudgetCalibration.Calibrate"/>.</summary>
/// <param name="SharpRatios">The chosen sharp ratio per CAC layer name, in module order.</param>
/// <param name="Madds">Per-sample MAdds of the model at those ratios (<see cref="CostAwareObjective.Madds"/>).</param>
public sealed record CacBudget(IReadOnlyList<(string Layer, double SharpRatio)> SharpRatios, double Madds);
