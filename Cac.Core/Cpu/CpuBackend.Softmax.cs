namespace Cac;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void Softmax(Storage x, Storage y, int rows, int cols, bool log) => throw new NotImplementedException("CPU Softmax: pending");

    /// <inheritdoc />
    public void SoftmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, bool log) => throw new NotImplementedException("CPU SoftmaxBackward: pending");

    /// <inheritdoc />
    public void SoftmaxCrossEntropy(Storage logits, Storage labels, Storage losses, Storage probs, int rows, int cols) => throw new NotImplementedException("CPU SoftmaxCrossEntropy: pending");

    /// <inheritdoc />
    public void SoftmaxCrossEntropyBackward(Storage probs, Storage labels, Storage gLosses, Storage gx, int rows, int cols) => throw new NotImplementedException("CPU SoftmaxCrossEntropyBackward: pending");
}
