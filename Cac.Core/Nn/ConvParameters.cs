namespace Cac.Nn;

/// <summary>The PyTorch default initialisation of the parameters of <see cref="Conv2d"/> and <see cref="ContentAwareConv2d"/> (their hyper-parameters are checked by <see cref="ConvArguments.CheckLayer"/>).</summary>
internal static class ConvParameters
{
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
