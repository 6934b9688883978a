using Cac.Madds;
using Cac.Training;

namespace Cac.Nn;

/// <summary>
/// Content-aware convolution layer (CAC, docs/design.md section 2): a k x k convolution (k &gt;= 2) that, per sample and
/// output position, runs the full convolution only on "sharp" windows and a 1 x 1 convolution with
/// w_phi = sum of the weight over its taps on the sample pixel of "smooth" windows.
/// <para>
/// Score: s = gamma * G + beta with G = <see cref="Ops.CacScoreMap"/>(x) (Sobel magnitude of the channel mean, no
/// gradient). Window i is sharp iff s_i &gt; 0: strict, so a flat window (G = 0) with beta = 0 takes the cheap path,
/// where for a window inside a constant region both paths give the same value. The same hard mask is used in
/// training and evaluation; gamma and beta learn through the straight-through gate (docs/design.md 2.7).
/// </para>
/// <para>
/// Parameters, in order: <c>weight</c> (Cout, Cin/groups, k, k) and <c>bias</c> (Cout), named and initialised
/// exactly as <see cref="Conv2d"/> (same generator, same values), so a Conv2d state dict loads into it
/// (<c>LoadStateDict(state, strict: false)</c>, or <see cref="FromConv2d"/>); then <c>gamma</c> and <c>beta</c>,
/// both of shape (1) as PyTorch's nn.Parameter(torch.ones(1)): gamma = 1 (the official code's fixed value) and
/// beta = 0, so a fresh layer is sharp wherever the input is not flat and equals a standard conv there.
/// </para>
/// The sharp ratio rho = mean(mask) is reported per batch (<see cref="LastSharpRatio"/>, differentiable as
/// <see cref="SharpRatio"/>), accumulated over a pass (<see cref="AccumulatedSharpRatio"/>, <see cref="ResetSharpRatio"/>),
/// and the last batch's mask is kept for visualisation (<see cref="LastMask"/>).
/// <para>
/// MAdds: an open <see cref="MaddsScope"/> counts each forward as (rho + (1 - rho)/k^2) * Omega_conv + 13 * Ho * Wo
/// per sample with the rho measured in that call (<see cref="Madds"/>). A counting pass updates
/// <see cref="LastMask"/>, <see cref="LastSharpRatio"/> and <see cref="SharpRatio"/> (they describe the last call) but not the
/// accumulated sharp ratio: counting MAdds on a side batch never mixes into a pass being measured.
/// </para>
/// </summary>
public sealed class ContentAwareConv2d : ConvolutionModule, IMaddsCounted
{
    private Tensor? _sharpRatio;
    private long _sharpCount;
    private long _positionCount;

    /// <summary>Creates the layer; weight and bias are drawn from <paramref name="generator"/> exactly as <see cref="Conv2d"/> draws them.</summary>
    public ContentAwareConv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, CacSamplePoint samplePoint = CacSamplePoint.Centre, CacPath path = CacPath.Sparse,
        Generator? generator = null)
        : base("ContentAwareConv2d", inChannels, outChannels, RequireWindow(kernelSize), stride, padding, dilation, groups, bias, generator)
    {
        SamplePoint = samplePoint;
        Path = path;
        Gamma = RegisterParameter("gamma", Tensor.Ones([1]));
        Beta = RegisterParameter("beta", Tensor.Zeros([1]));
    }

    // Checked before the base draws any parameter from the generator.
    private static int RequireWindow(int kernelSize) => kernelSize != 1 ? kernelSize
        : throw new ArgumentException("ContentAwareConv2d: 1 x 1 convolutions are never content-aware (a 1 x 1 window has nothing to simplify); use Conv2d");

    /// <summary>A CAC layer with the geometry and (copied) weight and bias of a standard convolution.</summary>
    public static ContentAwareConv2d FromConv2d(Conv2d conv, CacSamplePoint samplePoint = CacSamplePoint.Centre, CacPath path = CacPath.Sparse)
    {
        var cac = new ContentAwareConv2d(conv.InChannels, conv.OutChannels, conv.KernelSize, conv.Stride, conv.Padding, conv.Dilation,
            conv.Groups, conv.Bias is not null, samplePoint, path, new Generator(0));
        cac.To(conv.Weight.DType).To(conv.Weight.Device);
        cac.Weight.CopyFrom(conv.Weight);
        if (conv.Bias is not null) cac.Bias!.CopyFrom(conv.Bias);
        return cac;
    }

    /// <summary>Which pixel a smooth window samples (centre by default, as the paper).</summary>
    public CacSamplePoint SamplePoint { get; set; }

    /// <summary>Execution path (sparse by default); both give the same results.</summary>
    public CacPath Path { get; set; }

    /// <summary>
    /// Which gradient gamma and beta learn from (<see cref="CacScoreGradient.Gated"/> by default, as the official code).
    /// <see cref="CacScoreGradient.Sigmoid"/> runs on either path: on the sparse one the backward pass adds one sparse
    /// forward with the partition turned around, on the dense one it is the blend of <see cref="Ops.ContentAwareConv2dBlend"/>.
    /// </summary>
    public CacScoreGradient ScoreGradient { get; set; }

    /// <summary>
    /// The sigmoid surrogate's temperature in units of the layer's score scale: T = ScoreTemperature * |gamma| * mean(G)
    /// over the batch, so windows whose G lies within a few ScoreTemperature * mean(G) of the threshold -beta/gamma pass
    /// gradient (default 0.5). Only read with <see cref="CacScoreGradient.Sigmoid"/>.
    /// </summary>
    public double ScoreTemperature
    {
        get => _scoreTemperature;
        set => _scoreTemperature = value > 0 && !double.IsInfinity(value) ? value
            : throw new ArgumentException($"ContentAwareConv2d: the score temperature must be a finite number > 0, got {value}");
    }

    private double _scoreTemperature = 0.5;

    // T = ScoreTemperature * |gamma| * mean(G); a batch with no edges at all (mean G = 0) takes mean G = 1.
    private double SurrogateTemperature(Tensor scoreMap)
    {
        double meanG, gamma;
        using (Autograd.NoGrad())
        {
            meanG = Ops.Mean(scoreMap).Item();
            gamma = Math.Abs(Gamma.Item());
        }
        return ScoreTemperature * Math.Max(gamma, 1e-6) * (meanG > 0 ? meanG : 1);
    }

    /// <summary>Learnable scale of the score map: shape (1), initialised to 1.</summary>
    public Tensor Gamma { get; }

    /// <summary>Learnable threshold of the score: shape (1), initialised to 0.</summary>
    public Tensor Beta { get; }

    /// <summary>
    /// The last forward's hard mask, 1 = sharp: (N, 1, Ho, Wo), detached; null before the first forward. It belongs to
    /// that forward: released with the <see cref="TensorScope"/> the forward ran in, and, with forwards on several threads,
    /// the mask of whichever finished last.
    /// </summary>
    public Tensor? LastMask { get; private set; }

    /// <summary>The last forward's sharp ratio rho = mean(mask) as a number (NaN before the first forward).</summary>
    public double LastSharpRatio { get; private set; } = double.NaN;

    /// <summary>Sharp windows counted since the last <see cref="ResetSharpRatio"/>.</summary>
    public long SharpCount => _sharpCount;

    /// <summary>Windows (samples x positions) counted since the last <see cref="ResetSharpRatio"/>.</summary>
    public long PositionCount => _positionCount;

    /// <summary>Sharp ratio over every forward since the last <see cref="ResetSharpRatio"/>: sum of masks / count (NaN when nothing was counted).</summary>
    public double AccumulatedSharpRatio => _positionCount == 0 ? double.NaN : (double)_sharpCount / _positionCount;

    /// <summary>Starts a new accumulation of the sharp ratio (for example at the start of an epoch or evaluation pass).</summary>
    public void ResetSharpRatio()
    {
        _sharpCount = 0;
        _positionCount = 0;
    }

    /// <summary>
    /// The last forward's sharp ratio as a scalar tensor, differentiable in gamma and beta through the same
    /// straight-through gate as the output (d rho / d score_i = mask_i / count) when the forward ran with
    /// gradients enabled: the input of the cost-aware objective (docs/design.md 2.8).
    /// </summary>
    public Tensor SharpRatio() => _sharpRatio
        ?? throw new InvalidOperationException("ContentAwareConv2d.SharpRatio: no forward pass has run yet");

    /// <summary>Gamma and beta of every content-aware layer in <paramref name="model"/>, in module order.</summary>
    public static IEnumerable<Tensor> Thresholds(Module model) =>
        model.NamedModules().Select(m => m.Module).OfType<ContentAwareConv2d>().SelectMany(l => new[] { l.Gamma, l.Beta });

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        Tensor y, mask;
        long sharp;
        bool surrogate = ScoreGradient == CacScoreGradient.Sigmoid && Autograd.IsEnabled && (Gamma.RequiresGrad || Beta.RequiresGrad);
        if (Path == CacPath.Sparse && CalibrationTarget is null)
        {
            // One backend call: score map, threshold, partition and convolution (per sample while it is in cache).
            y = Ops.ContentAwareConv2dFused(x, Weight, Bias, Gamma, Beta, Stride, Padding, Dilation, Groups, SamplePoint, out var stats,
                surrogate ? SurrogateTemperature : null);
            mask = stats.Mask;
            sharp = stats.Sharp;
            _sharpRatio = stats.SharpRatio;
        }
        else
        {
            var scoreMap = Ops.CacScoreMap(x, KernelSize, Stride, Padding, Dilation);    // (N, 1, Ho, Wo), no gradient
            if (CalibrationTarget is { } target) CalibrateBeta(scoreMap, target);
            var score = Ops.ScaleShift(scoreMap, Gamma, Beta);                             // gamma * G + beta
            Tensor gate;
            if (surrogate)
            {
                // The dense reference of the surrogate: both paths everywhere, blended by the sigmoid gate and one minus it.
                gate = Ops.CacSigmoidGate(score, SurrogateTemperature(scoreMap));
                y = Ops.ContentAwareConv2dBlend(x, Weight, Bias, gate, Ops.Affine(gate, -1, 1), Stride, Padding, Dilation, Groups, SamplePoint);
            }
            else
            {
                y = Ops.ContentAwareConv2d(x, Weight, Bias, score, Stride, Padding, Dilation, Groups, SamplePoint, Path);
                gate = Ops.CacSharpGate(score);
            }
            _sharpRatio = Ops.Mean(gate);
            mask = gate.Detach();
            using (Autograd.NoGrad()) sharp = (long)Ops.Sum(mask).Item();      // exact: a sum of 0s and 1s
        }
        LastMask = mask;
        LastSharpRatio = (double)sharp / mask.Numel;
        if (!MaddsScope.IsRecording)
        {
            // Atomic, so that inference from several threads on one model counts every window.
            Interlocked.Add(ref _sharpCount, sharp);
            Interlocked.Add(ref _positionCount, mask.Numel);
        }
        return y;
    }

    /// <summary>
    /// (rho + (1 - rho)/k^2) * Omega_conv + 13 * Ho * Wo per sample (<see cref="MaddsFormulas.ContentAware"/>), with the rho the
    /// call that computed <paramref name="output"/> (N, Cout, Ho, Wo) measured (<see cref="LastSharpRatio"/>).
    /// </summary>
    public double Madds(Tensor input, Tensor output)
    {
        int ho = output.Dims[2], wo = output.Dims[3];
        long omega = MaddsFormulas.Conv2d(InChannels, OutChannels, KernelSize, ho, wo, Groups);
        return MaddsFormulas.ContentAware(omega, LastSharpRatio, KernelSize, ho, wo);
    }

    /// <summary>
    /// Set by <see cref="CacThresholdCalibration"/> for one pass: the forward then first sets beta so that this fraction of
    /// the batch's windows is sharp.
    /// </summary>
    internal double? CalibrationTarget { get; set; }

    private void CalibrateBeta(Tensor scoreMap, double sharpRatio)
    {
        double gamma = Gamma.Item();
        if (!(gamma > 0))
            throw new ArgumentException($"ContentAwareConv2d: calibrating the threshold needs gamma > 0, got {gamma}");
        double t = CacThresholdCalibration.Threshold(scoreMap.ToDoubleArray(), sharpRatio);
        Beta.CopyFrom(Tensor.FromArray(new[] { -gamma * t }, [1]).To(Beta.DType));
    }

    /// <inheritdoc />
    protected override string ExtraRepr()
    {
        var s = base.ExtraRepr();
        if (SamplePoint != CacSamplePoint.Centre) s += ", sample_point=top_left";
        if (Path != CacPath.Sparse) s += ", path=dense";
        return s;
    }
}
