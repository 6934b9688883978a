using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The fused inference plan of a residual basic block (<see cref="IFusedInference"/>): each conv runs with its batch norm
/// folded in (<see cref="ConvBnFusion"/>), conv1 with its ReLU, conv2 with the residual sum and the final ReLU.
/// </summary>
public abstract partial class ResidualBasicBlock : IFusedInference
{
    /// <inheritdoc />
    bool IFusedInference.CanFuse =>
        ConvBnFusion.CanFuse(_conv1, _bn1) && ConvBnFusion.CanFuse(_conv2, _bn2)
        && (_shortcut is null || (_shortcut.Count == 2 && _shortcut[1] is BatchNorm2d sbn && ConvBnFusion.CanFuse(_shortcut[0], sbn)));

    /// <inheritdoc />
    Tensor IFusedInference.FusedForward(Tensor x)
    {
        var h = ConvBnFusion.Forward(_conv1, _bn1, x, null, relu: true);
        var skip = _shortcut is null ? x : ConvBnFusion.Forward(_shortcut[0], (BatchNorm2d)_shortcut[1], x, null, relu: false);
        return ConvBnFusion.Forward(_conv2, _bn2, h, skip, relu: true);
    }
}
