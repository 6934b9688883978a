namespace Cac;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void Conv2dForward(Storage x, Storage w, Storage? bias, Storage y, ConvGeometry g)
    {
        if (IsDouble(x)) CpuConv<double>.Forward(Data<double>(x), Data<double>(w), bias is null ? null : Data<double>(bias), Data<double>(y), g);
        else CpuConv<float>.Forward(Data<float>(x), Data<float>(w), bias is null ? null : Data<float>(bias), Data<float>(y), g);
    }

    /// <inheritdoc />
    public void Conv2dBackwardInput(Storage gy, Storage w, Storage gx, ConvGeometry g)
    {
        if (IsDouble(gy)) CpuConv<double>.BackwardInput(Data<double>(gy), Data<double>(w), Data<double>(gx), g);
        else CpuConv<float>.BackwardInput(Data<float>(gy), Data<float>(w), Data<float>(gx), g);
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeight(Storage x, Storage gy, Storage gw, ConvGeometry g)
    {
        if (IsDouble(x)) CpuConv<double>.BackwardWeight(Data<double>(x), Data<double>(gy), Data<double>(gw), g);
        else CpuConv<float>.BackwardWeight(Data<float>(x), Data<float>(gy), Data<float>(gw), g);
    }
}
