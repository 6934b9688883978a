namespace Cac.Nn;

/// <summary>Which fan a Kaiming initialisation scales by (PyTorch's mode).</summary>
public enum FanMode
{
    /// <summary>Inputs per output unit: preserves the forward activations' variance.</summary>
    FanIn,
    /// <summary>Outputs per input unit: preserves the backward gradients' variance.</summary>
    FanOut,
}

/// <summary>Nonlinearities known to <see cref="Init.CalculateGain"/>.</summary>
public enum Nonlinearity
{
    /// <summary>Identity, conv and sigmoid layers: gain 1.</summary>
    Linear,
    /// <summary>ReLU: gain sqrt(2).</summary>
    Relu,
    /// <summary>Leaky ReLU with negative slope a: gain sqrt(2 / (1 + a^2)).</summary>
    LeakyRelu,
    /// <summary>tanh: gain 5/3.</summary>
    Tanh,
    /// <summary>Sigmoid: gain 1.</summary>
    Sigmoid,
}

/// <summary>
/// In-place parameter initialisers, as torch.nn.init. They write through the tensor's storage (no
/// autograd) and draw from the given generator, or <see cref="Generator.Default"/> when it is null.
/// </summary>
public static class Init
{
    /// <summary>(fan_in, fan_out) of a weight: (out, in, k...) gives in*prod(k) and out*prod(k).</summary>
    public static (long FanIn, long FanOut) CalculateFans(Tensor t)
    {
        if (t.Rank < 2)
            throw new ArgumentException($"fan in and fan out need a tensor with at least 2 dimensions, got shape {Shape.Format(t.Dims)}");
        long receptive = Shape.Numel(t.Dims[2..]);
        return (t.Dims[1] * receptive, t.Dims[0] * receptive);
    }

    /// <summary>The recommended gain for a nonlinearity (torch.nn.init.calculate_gain).</summary>
    public static double CalculateGain(Nonlinearity nonlinearity, double negativeSlope = 0.01) => nonlinearity switch
    {
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + negativeSlope * negativeSlope)),
        Nonlinearity.Tanh => 5.0 / 3,
        _ => 1.0,
    };

    /// <summary>
    /// Kaiming (He) uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain from the leaky-ReLU slope
    /// <paramref name="a"/>. PyTorch's Conv2d/Linear default is a = sqrt(5), giving b = 1/sqrt(fan_in).
    /// </summary>
    public static Tensor KaimingUniform(Tensor t, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        double std = CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(t, mode));
        double bound = Math.Sqrt(3.0) * std;
        return Uniform(t, -bound, bound, generator);
    }

    /// <summary>
    /// Kaiming (He) normal: N(0, std^2) with std = gain / sqrt(fan). torchvision's ResNets use
    /// mode fan_out with ReLU for their convolutions.
    /// </summary>
    public static Tensor KaimingNormal(Tensor t, double a = 0, FanMode mode = FanMode.FanOut,
        Nonlinearity nonlinearity = Nonlinearity.Relu, Generator? generator = null)
    {
        double std = CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(t, mode));
        return Normal(t, 0, std, generator);
    }

    /// <summary>KaimingNormal with mode fan_out and ReLU gain (std = sqrt(2 / fan_out)), as torchvision's ResNets initialise convolutions.</summary>
    public static Tensor KaimingNormalFanOutRelu(Tensor t, Generator? generator = null) =>
        KaimingNormal(t, 0, FanMode.FanOut, Nonlinearity.Relu, generator);

    /// <summary>Fills with U(low, high).</summary>
    public static Tensor Uniform(Tensor t, double low, double high, Generator? generator = null)
    {
        RequireFloat(t);
        t.CopyFrom(Tensor.Uniform(t.Shape, generator ?? Generator.Default, low, high, t.DType, t.Device));
        return t;
    }

    /// <summary>Fills with N(mean, std^2).</summary>
    public static Tensor Normal(Tensor t, double mean, double std, Generator? generator = null)
    {
        RequireFloat(t);
        t.CopyFrom(Tensor.RandN(t.Shape, generator ?? Generator.Default, mean, std, t.DType, t.Device));
        return t;
    }

    /// <summary>Fills with one value.</summary>
    public static Tensor Constant(Tensor t, double value)
    {
        t.Backend.Fill(t.Storage, value);
        return t;
    }

    /// <summary>Fills with zeros.</summary>
    public static Tensor Zeros(Tensor t) => Constant(t, 0);

    /// <summary>Fills with ones.</summary>
    public static Tensor Ones(Tensor t) => Constant(t, 1);

    private static long Fan(Tensor t, FanMode mode)
    {
        var (fanIn, fanOut) = CalculateFans(t);
        long fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0) throw new ArgumentException($"cannot initialise a tensor of shape {Shape.Format(t.Dims)}: its fan is 0");
        return fan;
    }

    private static void RequireFloat(Tensor t)
    {
        if (!t.DType.IsFloatingPoint())
            throw new ArgumentException($"random initialisation needs a floating-point tensor, got {t.DType.Name()} of shape {Shape.Format(t.Dims)}");
    }
}
