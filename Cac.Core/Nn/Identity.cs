namespace Cac.Nn;

/// <summary>Returns its input unchanged (a placeholder, e.g. for an empty shortcut).</summary>
public sealed class Identity : Module
{
    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => x;
}

/// <summary>Flattens the dimensions from <see cref="StartAxis"/> on: (N, C, H, W) -> (N, C*H*W) by default.</summary>
public sealed class Flatten(int startAxis = 1) : Module
{
    /// <summary>First axis merged.</summary>
    public int StartAxis { get; } = startAxis;

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.Flatten(x, StartAxis);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"start_dim={StartAxis}, end_dim=-1";
}
