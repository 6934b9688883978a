namespace Cac.Nn;

/// <summary>max(x, 0) on both frequency parts.</summary>
public sealed class OctaveReLU : OctaveModule
{
    /// <inheritdoc />
    protected override OctaveTensor ForwardCore(OctaveTensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Map(Ops.Relu);
    }
}
