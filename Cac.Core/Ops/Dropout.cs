namespace Cac;

public static partial class Ops
{
    /// <summary>
    /// Inverted dropout: in training, zeroes each element with probability <paramref name="p"/> and scales
    /// the rest by 1/(1-p); the identity in evaluation. The mask comes from <paramref name="generator"/>.
    /// </summary>
    public static Tensor Dropout(Tensor x, double p, bool training, Generator generator) =>
        throw new NotImplementedException("dropout: pending");
}
