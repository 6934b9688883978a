using Cac.Nn;

namespace Cac.Models.Segmentation;

/// <summary>
/// torchvision's FCNHead(inChannels, classes), a Sequential whose entries are named 0..4: a 3x3 convolution to
/// inChannels / 4 channels (no bias, from the model's <see cref="ConvFactory"/>: content-aware in a CAC model, a region
/// convolution in a cascade), BatchNorm2d, ReLU, Dropout(0.1), and a 1x1 classifier convolution with bias
/// (<see cref="ConvFactory.Classifier1x1"/>). (N, inChannels, h, w) -> (N, classes, h, w).
/// </summary>
public static class FcnHead
{
    /// <summary>The dropout probability before the classifier, as torchvision's.</summary>
    public const double DropoutProbability = 0.1;

    /// <summary>Creates the head; its parameters are drawn from <paramref name="convs"/>'s generator in creation order.</summary>
    public static Sequential Create(int inChannels, int classes, ConvFactory convs)
    {
        ArgumentNullException.ThrowIfNull(convs);
        int inter = inChannels / 4;
        return new Sequential(
            convs.Conv3x3(inChannels, inter, 1),
            new BatchNorm2d(inter),
            new ReLU(),
            new Dropout(DropoutProbability),
            convs.Classifier1x1(inter, classes));
    }
}
