namespace Cac;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void Gemm(bool transA, bool transB, int m, int n, int k, double alpha, Storage a, long aOffset, Storage b, long bOffset, double beta, Storage c, long cOffset) => throw new NotImplementedException("CPU Gemm: pending");
}
