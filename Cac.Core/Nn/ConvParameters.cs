namespace Cac.Nn;

/// <summary>Shared hyper-parameter validation and PyTorch default initialisation of <see cref="Conv2d"/> and <see cref="ContentAwareConv2d"/>.</summary>
internal static class ConvParameters
{
    /// <summary>Throws ArgumentException naming <paramref name="layer"/> unless the hyper-parameters describe a valid convolution.</summary>
    public static void Validate(string layer, int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0 || padding < 0 || dilation <= 0 || groups <= 0)
            throw new ArgumentException($"{layer}: invalid hyper-parameters in={inChannels} out={outChannels} kernel={kernelSize} stride={stride} padding={padding} dilation={dilation} groups={groups}");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"{layer}: in_channels {inChannels} and out_channels {outChannels} must both be divisible by groups {groups}");
    }

    /// <summary>
    /// Registers (through <paramref name="register"/>) <c>weight</c> (outChannels, inChannels/groups, k, k) and, when
    /// <paramref name="bias"/>, <c>bias</c> (outChannels), initialised as PyTorch does: weight and bias
    /// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from <paramref name="generator"/> in that order.
    /// </summary>
    public static (Tensor Weight, Tensor? Bias) RegisterDefault(Func<string, Tensor, Tensor> register,
        int inChannels, int outChannels, int kernelSize, int groups, bool bias, Generator generator)
    {
        var weight = register("weight", Tensor.Zeros([outChannels, inChannels / groups, kernelSize, kernelSize]));
        Init.KaimingUniform(weight, a: Math.Sqrt(5), generator: generator);
        if (!bias) return (weight, null);
        double bound = 1 / Math.Sqrt(Init.CalculateFans(weight).FanIn);
        return (weight, register("bias", Init.Uniform(Tensor.Zeros([outChannels]), -bound, bound, generator)));
    }
}
