namespace Cac.Nn;

/// <summary>
/// A module with a second, inference-only way to compute its output: a fused plan (each conv with its batch norm, residual
/// sum and ReLU folded in, see <see cref="ConvBnFusion"/>) equal to its layer-by-layer forward. <see cref="Module.Forward(Tensor)"/>
/// runs <see cref="FusedForward"/> instead of the layers when no autograd graph is recorded, no forward hook is installed
/// (<see cref="ForwardHooks"/>: a MAdds count sees the layers one by one) and <see cref="CanFuse"/> holds. The module's own
/// forward stays the figure of the paper; the plan lives beside it.
/// </summary>
public interface IFusedInference
{
    /// <summary>Whether the plan may run now: its layers are in evaluation mode and of a kind it can fold (standard convolutions).</summary>
    bool CanFuse { get; }

    /// <summary>The module's output computed by the fused plan (same shapes as the module's forward).</summary>
    Tensor FusedForward(Tensor x);
}
