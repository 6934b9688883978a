namespace Cac;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void DropoutMask(Storage mask, double p, ulong seed) => throw new NotImplementedException("CPU DropoutMask: pending");
}
