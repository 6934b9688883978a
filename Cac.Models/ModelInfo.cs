namespace Cac.Models;

/// <summary>
/// What the registry knows about a model name: its family and base architecture, the kind of its k x k convolutions,
/// and the input it is meant for (CIFAR: 3 x 32 x 32 and 10 classes; ImageNet: 3 x 224 x 224 and 1000 classes; VOC 2012
/// segmentation: 3 x 480 x 480 and 21 classes).
/// </summary>
/// <param name="Name">The registered name, e.g. "oct-resnet50": <see cref="ModelRegistry.Prefix"/> of the conv type + base name.</param>
/// <param name="BaseName">The architecture without the conv-type prefix, e.g. "resnet50", "densenet121-cifar".</param>
/// <param name="Family">"resnet", "densenet", "shufflenetv2" or "fcn" (segmentation: logits (N, classes, H, W)).</param>
/// <param name="ConvType">The kind of the k x k convolutions.</param>
/// <param name="Dataset">"cifar10", "imagenet" or "voc2012": the data the default input size and class count come from.</param>
/// <param name="InputChannels">Default input channels.</param>
/// <param name="InputSize">Default input height and width.</param>
/// <param name="NumClasses">Default number of classes.</param>
public sealed record ModelInfo(string Name, string BaseName, string Family, ConvType ConvType, string Dataset,
    int InputChannels, int InputSize, int NumClasses)
{
    /// <summary>The default input shape for a batch: (batch, InputChannels, InputSize, InputSize).</summary>
    public int[] InputShape(int batch = 1) => [batch, InputChannels, InputSize, InputSize];

    /// <summary>Whether the model predicts every pixel (logits (N, classes, H, W)) rather than every image.</summary>
    public bool IsSegmentation => Family == "fcn";
}
