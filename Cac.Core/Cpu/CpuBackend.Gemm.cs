namespace Cac;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void Gemm(bool transA, bool transB, int m, int n, int k, double alpha, Storage a, long aOffset, Storage b, long bOffset, double beta, Storage c, long cOffset)
    {
        if (IsDouble(c))
            CpuGemm<double>.Multiply(transA, transB, m, n, k, alpha, Data<double>(a), aOffset, Data<double>(b), bOffset, beta, Data<double>(c), cOffset, parallel: true);
        else
            CpuGemm<float>.Multiply(transA, transB, m, n, k, (float)alpha, Data<float>(a), aOffset, Data<float>(b), bOffset, (float)beta, Data<float>(c), cOffset, parallel: true);
    }
}
