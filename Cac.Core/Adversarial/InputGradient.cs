using Cac.Nn;

namespace Cac.Adversarial;

/// <summary>
/// The gradient of the mean softmax cross-entropy with respect to a model's input: one forward and one backward pass, the
/// cost of one attack step. The model's parameters are frozen (RequiresGrad false) during the pass, so the backward
/// computes only input gradients (no weight gradients) and leaves the parameters' <see cref="Tensor.Grad"/> untouched.
/// The model runs in whatever mode it is in (training or evaluation).
/// </summary>
/// <remarks>
/// Through a content-aware layer the gradient sees only the convolution paths: the mask is a step function of the input
/// (the score map is computed without a gradient, and the gates' straight-through gradient goes to gamma and beta only),
/// so the gradient is that of the network with every mask held fixed, exact wherever no window's score sits on its
/// threshold.
/// </remarks>
public static class InputGradient
{
    /// <summary>
    /// dL/dx for L = mean cross-entropy of <paramref name="model"/>(x) against <paramref name="labels"/>.
    /// x: (N, C, H, W) floating point; labels: Int32 (N); returns (N, C, H, W), created in the current <see cref="TensorScope"/>.
    /// </summary>
    public static Tensor Of(Module model, Tensor x, Tensor labels)
    {
        if (!Autograd.IsEnabled)
            throw new InvalidOperationException("an input gradient needs autograd: call the attack outside Autograd.NoGrad()");
        var leaf = Tensor.ZerosLike(x);          // a copy in this scope: the gradient joins the leaf's lifetime
        leaf.CopyFrom(x);
        leaf.RequiresGrad = true;
        var parameters = model.Parameters().ToList();
        var wasTrainable = parameters.Select(p => p.RequiresGrad).ToArray();
        try
        {
            foreach (var p in parameters) p.RequiresGrad = false;
            Ops.CrossEntropy(model.Forward(leaf), labels).Backward();
        }
        finally
        {
            for (int i = 0; i < parameters.Count; i++) parameters[i].RequiresGrad = wasTrainable[i];
        }
        return leaf.Grad!;
    }
}
