namespace Cac;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void SgdStep(Storage param, Storage grad, Storage? momentumBuffer, double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool firstStep) => throw new NotImplementedException("CPU SgdStep: pending");

    /// <inheritdoc />
    public void AdamStep(Storage param, Storage grad, Storage m, Storage v, double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupledWeightDecay, long step) => throw new NotImplementedException("CPU AdamStep: pending");
}
