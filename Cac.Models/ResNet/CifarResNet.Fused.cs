using Cac.Nn;

namespace Cac.Models.ResNet;

/// <summary>
/// The fused inference plan of the CIFAR ResNet (<see cref="IFusedInference"/>): the stem conv runs with its batch norm and
/// ReLU folded in (<see cref="ConvBnFusion"/>); the blocks then choose their own plans.
/// </summary>
public sealed partial class CifarResNet : IFusedInference
{
    /// <inheritdoc />
    bool IFusedInference.CanFuse => ConvBnFusion.CanFuse(_conv1, _bn1);

    /// <inheritdoc />
    Tensor IFusedInference.FusedForward(Tensor x) => StagesAndClassifier(ConvBnFusion.Forward(_conv1, _bn1, x, null, relu: true));
}
