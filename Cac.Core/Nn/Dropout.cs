namespace Cac.Nn;

/// <summary>
/// Inverted dropout, as torch.nn.Dropout: in training each element is zeroed with probability P and the
/// rest scaled by 1/(1-P); the identity in evaluation. Masks come from the given generator, or from
/// <see cref="Generator.Default"/> as it is at each forward pass.
/// </summary>
public sealed class Dropout : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (p is < 0 or > 1 || double.IsNaN(p)) throw new ArgumentException($"Dropout: probability must lie in [0, 1], got {p}");
        P = p;
        _generator = generator;
    }

    /// <summary>Drop probability.</summary>
    public double P { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.Dropout(x, P, Training, _generator ?? Generator.Default);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"p={Repr.Float(P)}, inplace=False";
}
