namespace Cac.Nn;

/// <summary>max(x, 0), elementwise.</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Ops.Relu(x);
}
