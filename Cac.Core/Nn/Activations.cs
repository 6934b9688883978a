namespace Cac.Nn;

/// <summary>max(x, 0), elementwise.</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor x) => Ops.Relu(x);
}
