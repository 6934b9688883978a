namespace Cac;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void BatchNormTrainForward(Storage x, Storage gamma, Storage beta, Storage y, Storage saveMean, Storage saveInvStd, Storage runningMean, Storage runningVar, int n, int c, int hw, double momentum, double eps) => throw new NotImplementedException("CPU BatchNormTrainForward: pending");

    /// <inheritdoc />
    public void BatchNormEvalForward(Storage x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar, Storage y, int n, int c, int hw, double eps) => throw new NotImplementedException("CPU BatchNormEvalForward: pending");

    /// <inheritdoc />
    public void BatchNormBackward(Storage x, Storage gy, Storage gamma, Storage mean, Storage invStd, Storage gx, Storage gGamma, Storage gBeta, int n, int c, int hw, bool batchStats) => throw new NotImplementedException("CPU BatchNormBackward: pending");
}
