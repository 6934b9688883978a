using System.Numerics;

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

    /// <summary>
    /// y = act((conv(x, w) + bias) * scale + shift + residual), one pass: the convolution with a per-channel affine epilogue
    /// (an eval-mode batch norm folded in), an optional residual and an optional ReLU, applied before y is stored.
    /// x: (N, Cin, H, W), w: (Cout, Cin/G, KH, KW); bias, scale, shift: (Cout) or null (0, 1, 0); residual: y's shape
    /// (N, Cout, Ho, Wo) or null; y: (N, Cout, Ho, Wo), overwritten. Not differentiable: see <see cref="Ops.Conv2dAffine"/>.
    /// </summary>
    public void Conv2dForwardFused(Storage x, Storage w, Storage? bias, Storage? scale, Storage? shift, Storage? residual, bool relu,
        Storage y, ConvGeometry g)
    {
        if (IsDouble(x)) CpuConv<double>.Forward(Data<double>(x), Data<double>(w), Data<double>(y), g, Epilogue<double>(bias, scale, shift, residual, relu, g.Cout));
        else CpuConv<float>.Forward(Data<float>(x), Data<float>(w), Data<float>(y), g, Epilogue<float>(bias, scale, shift, residual, relu, g.Cout));
    }

    // Folds the bias into the shift: (s + b) * a + c = s * a + (b * a + c).
    private static ConvEpilogue<T> Epilogue<T>(Storage? bias, Storage? scale, Storage? shift, Storage? residual, bool relu, int cout)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[]? a = scale is null ? null : Data<T>(scale);
        T[]? c = shift is null ? null : Data<T>(shift);
        if (bias is not null)
        {
            var b = Data<T>(bias);
            var folded = new T[cout];
            for (int co = 0; co < cout; co++)
                folded[co] = (a is null ? b[co] : b[co] * a[co]) + (c is null ? T.Zero : c[co]);
            c = folded;
        }
        return new ConvEpilogue<T>(a, c, residual is null ? null : Data<T>(residual), relu);
    }
}

