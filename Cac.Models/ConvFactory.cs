using Cac.Nn;

namespace Cac.Models;

/// <summary>
/// Creates the convolutions of a model for one <see cref="ConvType"/>: the k x k convolutions the blocks ask for
/// (<see cref="Create"/>, also usable as the path factory of an octave conv) and the 1 x 1 projections, which are
/// always standard. Every convolution has no bias (batch norm follows) and Kaiming-normal (fan_out, ReLU) weights,
/// as torchvision initialises ResNets. Parameters are drawn from one generator, in creation order.
/// <para>
/// Content-aware types (<see cref="ConvType.Cac"/>, <see cref="ConvType.CacOctave"/>) make every k x k convolution with
/// k &gt; 1 a <see cref="ContentAwareConv2d"/> (for octave types: each path convolution), drawing its weight exactly as
/// the standard convolution would, so a CAC model and its standard twin built from the same seed have the same weights
/// and the same parameter names plus <c>gamma</c> and <c>beta</c> on each CAC conv. 1 x 1 convolutions are never CAC.
/// </para>
/// <para>
/// A region factory (<see cref="WithRegions"/>) makes every convolution, 1 x 1 included, a <see cref="RegionConv2d"/>:
/// dense until its owner gives it a region, with the standard convolution's weights, names and draws.
/// </para>
/// </summary>
public sealed class ConvFactory
{
    private readonly Generator _generator;

    /// <summary>Creates a factory for <paramref name="type"/> drawing from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    public ConvFactory(ConvType type, Generator? generator = null)
        : this(type, generator, regions: false)
    {
    }

    private ConvFactory(ConvType type, Generator? generator, bool regions)
    {
        if (!Enum.IsDefined(type)) throw new ArgumentException($"ConvFactory: unknown conv type {type}");
        if (regions && type != ConvType.Standard) throw new ArgumentException($"ConvFactory: region convolutions are standard convolutions, not {type}");
        Type = type;
        _generator = generator ?? Generator.Default;
        IsRegion = regions;
    }

    /// <summary>
    /// A factory drawing from the same generator whose every convolution (1 x 1 included) is a <see cref="RegionConv2d"/>.
    /// </summary>
    /// <exception cref="ArgumentException">This factory's type is not <see cref="ConvType.Standard"/>.</exception>
    public ConvFactory WithRegions() => new(Type, _generator, regions: true);

    /// <summary>Whether every convolution is a <see cref="RegionConv2d"/> (<see cref="WithRegions"/>).</summary>
    public bool IsRegion { get; }

    /// <summary>The conv type.</summary>
    public ConvType Type { get; }

    /// <summary>Whether the blocks are octave blocks (high- and low-frequency parts).</summary>
    public bool IsOctave => Type is ConvType.Octave or ConvType.CacOctave;

    /// <summary>Whether the k x k convolutions (k &gt; 1) are content-aware.</summary>
    public bool IsContentAware => Type is ConvType.Cac or ConvType.CacOctave;

    /// <summary>The generator parameters are drawn from.</summary>
    public Generator Generator => _generator;

    /// <summary>
    /// A plain (non-octave) k x k convolution of this factory's kind, mapping (N, inChannels, H, W) to
    /// (N, outChannels, Ho, Wo); for octave types this is the kind of the path convolutions.
    /// </summary>
    public Module Create(int inChannels, int outChannels, int kernelSize, int stride, int padding) =>
        CreateGrouped(inChannels, outChannels, kernelSize, stride, padding, groups: 1);

    /// <summary>
    /// A grouped k x k convolution of this factory's kind (weight (outChannels, inChannels/groups, k, k)): the one place
    /// that picks the layer for the conv type (<see cref="Create"/> is groups = 1); groups = channels is a depthwise
    /// convolution (ShuffleNetV2).
    /// </summary>
    public Module CreateGrouped(int inChannels, int outChannels, int kernelSize, int stride, int padding, int groups, int dilation = 1) =>
        IsRegion ? Region(inChannels, outChannels, kernelSize, stride, padding, groups, dilation)
        : IsContentAware && kernelSize > 1
            ? ContentAware(inChannels, outChannels, kernelSize, stride, padding, groups, dilation)
            : Standard(inChannels, outChannels, kernelSize, stride, padding, groups, dilation);

    /// <summary>Depthwise 3 x 3 convolution with padding 1 (<see cref="CreateGrouped"/> with groups = channels).</summary>
    public Module Depthwise3x3(int channels, int stride) => CreateGrouped(channels, channels, 3, stride, 1, channels);

    /// <summary>3 x 3 convolution with padding equal to its dilation, so that stride 1 keeps the size (<see cref="CreateGrouped"/>).</summary>
    public Module Conv3x3(int inChannels, int outChannels, int stride, int dilation = 1) =>
        CreateGrouped(inChannels, outChannels, 3, stride, dilation, groups: 1, dilation);

    /// <summary>1 x 1 projection, a standard convolution (a region convolution in a region factory).</summary>
    public Module Conv1x1(int inChannels, int outChannels, int stride = 1) =>
        IsRegion ? Region(inChannels, outChannels, 1, stride, 0, groups: 1, dilation: 1) : Standard(inChannels, outChannels, 1, stride, 0);

    /// <summary>
    /// A 1 x 1 classifier convolution (a segmentation head's last layer): with bias and PyTorch's default initialisation
    /// (U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as torchvision leaves FCNHead's), a region convolution in a region factory.
    /// </summary>
    public Module Classifier1x1(int inChannels, int classes) =>
        IsRegion ? new RegionConv2d(inChannels, classes, 1, generator: _generator) : new Conv2d(inChannels, classes, 1, generator: _generator);

    /// <summary>The path factory of the octave k x k convolutions (<see cref="Create"/>).</summary>
    public OctavePathFactory OctavePaths => Create;

    /// <summary>The path factory of octave 1 x 1 projections: always standard convolutions.</summary>
    public OctavePathFactory ProjectionPaths => Standard;

    private Conv2d Standard(int inChannels, int outChannels, int kernelSize, int stride, int padding) =>
        Standard(inChannels, outChannels, kernelSize, stride, padding, groups: 1, dilation: 1);

    private Conv2d Standard(int inChannels, int outChannels, int kernelSize, int stride, int padding, int groups, int dilation)
    {
        var conv = new Conv2d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias: false, generator: _generator);
        Init.KaimingNormalFanOutRelu(conv.Weight, _generator);
        return conv;
    }

    // Same draws as Standard: ContentAwareConv2d and RegionConv2d initialise their weight exactly as Conv2d, then
    // Kaiming-normal overwrites it.
    private ContentAwareConv2d ContentAware(int inChannels, int outChannels, int kernelSize, int stride, int padding, int groups, int dilation)
    {
        var conv = new ContentAwareConv2d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias: false, generator: _generator);
        Init.KaimingNormalFanOutRelu(conv.Weight, _generator);
        return conv;
    }

    private RegionConv2d Region(int inChannels, int outChannels, int kernelSize, int stride, int padding, int groups, int dilation)
    {
        var conv = new RegionConv2d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias: false, generator: _generator);
        Init.KaimingNormalFanOutRelu(conv.Weight, _generator);
        return conv;
    }
}
