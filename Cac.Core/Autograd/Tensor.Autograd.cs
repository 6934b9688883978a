namespace Cac;

public sealed partial class Tensor
{
    /// <summary>
    /// Backpropagates from this tensor: from a one-element tensor with no argument, or with the
    /// gradient of some loss with respect to this tensor. Gradients accumulate into leaves' <see cref="Grad"/>.
    /// </summary>
    public void Backward(Tensor? gradOutput = null) => Autograd.Backward(this, gradOutput);

    /// <summary>Sets this leaf's gradient to null (as optimizer.zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad() => Grad = null;
}
