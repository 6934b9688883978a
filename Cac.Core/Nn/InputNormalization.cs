namespace Cac.Nn;

/// <summary>
/// The dataset's per-channel normalisation as a layer, out[c] = (x[c] - mean[c]) / std[c], the same float arithmetic as
/// the data loader's <c>Normalize</c> transform. Put in front of a model (<see cref="Wrap"/>), it lets the model take raw
/// pixels in [0, 1], so that gradients with respect to the input reach the pixels themselves (adversarial attacks).
/// Mean and std are non-persistent buffers: they follow the model to a device or dtype and stay out of state dicts.
/// </summary>
public sealed class InputNormalization : Module
{
    private readonly Tensor _mean, _std;

    /// <summary>Creates the layer; mean and std have one value (every channel) or one per channel, std positive.</summary>
    public InputNormalization(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        if (mean.Count == 0 || mean.Count != std.Count)
            throw new ArgumentException($"InputNormalization: mean has {mean.Count} values and std {std.Count}; they need the same, non-zero count");
        if (std.Any(s => !(s > 0) || !double.IsFinite(s)) || mean.Any(m => !double.IsFinite(m)))
            throw new ArgumentException($"InputNormalization: std must be positive and finite and mean finite, got mean [{string.Join(", ", mean)}], std [{string.Join(", ", std)}]");
        // (1, C, 1, 1): broadcasts over (N, C, H, W). Rounded to float32 first, as Normalize holds them.
        _mean = RegisterBuffer("mean", Tensor.FromArray(mean.Select(m => (float)m).ToArray(), [1, mean.Count, 1, 1]), persistent: false);
        _std = RegisterBuffer("std", Tensor.FromArray(std.Select(s => (float)s).ToArray(), [1, std.Count, 1, 1]), persistent: false);
    }

    /// <summary>The number of channels the constants are for (1: one value for every channel).</summary>
    public int Channels => _mean.Size(1);

    /// <summary>A model that takes pixels in [0, 1]: this normalisation, then <paramref name="model"/> (children "0" and "1").</summary>
    public static Sequential Wrap(Module model, IReadOnlyList<double> mean, IReadOnlyList<double> std) =>
        new(new InputNormalization(mean, std), model);

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        // x: (N, C, H, W) pixels -> (N, C, H, W) normalised.
        if (x.Rank != 4 || (Channels != 1 && x.Size(1) != Channels))
            throw new ArgumentException($"InputNormalization: constants for {Channels} channel(s), input of shape {Shape.Format(x.Dims)}");
        return Ops.Div(Ops.Sub(x, _mean), _std);
    }
}
