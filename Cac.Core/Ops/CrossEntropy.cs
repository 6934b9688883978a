namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// Mean softmax cross-entropy, fused and numerically stable. logits: (N, classes), labels: Int32 (N)
    /// with values in [0, classes). Returns a scalar.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels) => throw new NotImplementedException("cross_entropy: pending");
}
