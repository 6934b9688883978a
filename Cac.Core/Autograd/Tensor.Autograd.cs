namespace Cac;

public sealed partial class Tensor
{
    /// <summary>
    /// Backpropagates from this tensor: from a one-element tensor with no argument, or with the
    /// gradient of some loss with respect to this tensor. Gradients accumulate into leaves' <see cref="Grad"/>.
    /// </summary>
    public void Backward(Tensor? gradOutput = null) => Autograd.Backward(this, gradOutput);

    /// <summary>
    /// Sets this leaf's gradient to null (as optimizer.zero_grad(set_to_none=True)). A gradient that backward created is
    /// released at once, its memory back in the backend's pool: copy it first if you need it afterwards. A gradient that
    /// was assigned to <see cref="Grad"/> is left to its owner.
    /// </summary>
    public void ZeroGrad()
    {
        if (_ownsGrad) _grad!.Storage.Dispose();
        Grad = null;
    }

    /// <summary>Installs a gradient that backward created: it gets this tensor's lifetime and is released by <see cref="ZeroGrad"/>.</summary>
    internal void SetOwnedGrad(Tensor grad)
    {
        Adopt(grad);
        Grad = grad;
        _ownsGrad = true;
    }
}
