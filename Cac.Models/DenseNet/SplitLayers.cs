using Cac.Nn;

namespace Cac.Models.DenseNet;

/// <summary>
/// The DenseNet layers for a feature map split by frequency into (high, low) channels: plain layers (torchvision's
/// names and parameters) when no side has a low-frequency part, octave layers otherwise. A standard DenseNet is the
/// case where every split has low = 0; an octave one mixes both (a dense block's input has no low part, its layers'
/// outputs do).
/// </summary>
internal static class SplitLayers
{
    /// <summary>The split of <paramref name="channels"/> by <paramref name="alpha"/> (alpha = 0: all high).</summary>
    public static (int High, int Low) Split(int channels, double alpha) => OctaveChannels.Split(channels, alpha, "DenseNet");

    /// <summary>Batch norm over <paramref name="split"/>: <see cref="BatchNorm2d"/>, or <see cref="OctaveBatchNorm2d"/> with a low part.</summary>
    public static Module Norm((int High, int Low) split) =>
        split.Low == 0 ? new BatchNorm2d(split.High) : new OctaveBatchNorm2d(split);

    /// <summary>The ReLU module registered for a split (it holds nothing; <see cref="NormRelu"/> applies the activation).</summary>
    public static Module Relu((int High, int Low) split) => split.Low == 0 ? new ReLU() : new OctaveReLU();

    /// <summary>
    /// A k x k convolution from <paramref name="input"/> to <paramref name="output"/>: the factory's plain convolution when
    /// neither has a low part, otherwise an <see cref="OctaveConv2d"/> whose path convolutions the factory makes (standard
    /// for k = 1, of the factory's kind for k &gt; 1).
    /// </summary>
    public static Module Conv(ConvFactory convs, (int High, int Low) input, (int High, int Low) output, int kernelSize, int stride, int padding) =>
        input.Low == 0 && output.Low == 0
            ? convs.Create(input.High, output.High, kernelSize, stride, padding)
            : new OctaveConv2d(input, output, kernelSize, stride, padding, convs.OctavePaths);

    /// <summary>ReLU(norm(x)) on each part; a plain norm uses the fused <see cref="BatchNorm2d.ForwardRelu"/>.</summary>
    public static OctaveTensor NormRelu(Module norm, OctaveTensor x) =>
        norm is BatchNorm2d bn && x.Low is null ? new OctaveTensor(bn.ForwardRelu(x.High)) : OctaveModule.Run(norm, x).Map(Ops.Relu);
}
