namespace Cac.Nn;

/// <summary>
/// Fully connected layer, as torch.nn.Linear: y = x @ Weight^T + Bias. x: (N, InFeatures) -> (N, OutFeatures).
/// Initialised like PyTorch: weight and bias U(-1/sqrt(in), 1/sqrt(in)).
/// </summary>
public sealed class Linear : Module, Madds.IMaddsCounted
{
    /// <summary>Creates the layer; parameters are drawn from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"Linear: features must be positive, got in={inFeatures} out={outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        generator ??= Generator.Default;
        Weight = RegisterParameter("weight", Tensor.Zeros([outFeatures, inFeatures]));
        Init.KaimingUniform(Weight, a: Math.Sqrt(5), generator: generator);
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inFeatures);
            Bias = RegisterParameter("bias", Init.Uniform(Tensor.Zeros([outFeatures]), -bound, bound, generator));
        }
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>Weight: (OutFeatures, InFeatures).</summary>
    public Tensor Weight { get; }

    /// <summary>Bias: (OutFeatures), or null when created with bias: false.</summary>
    public Tensor? Bias { get; }

    /// <summary>x: (N, InFeatures) -> (N, OutFeatures).</summary>
    protected override Tensor ForwardCore(Tensor x) => Ops.Linear(x, Weight, Bias);

    /// <summary>in * out per sample.</summary>
    public double Madds(Tensor input, Tensor output) => Cac.Madds.MaddsFormulas.Linear(InFeatures, OutFeatures);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={Repr.Bool(Bias is not null)}";
}
