using Cac.Nn;

namespace Cac.Madds;

/// <summary>
/// A layer whose multiply-adds are counted: an open <see cref="MaddsScope"/> asks it, after each of its forward calls, for
/// the per-sample cost of that call (<see cref="MaddsFormulas"/>). <see cref="Conv2d"/>, <see cref="Linear"/> and
/// <see cref="ContentAwareConv2d"/> implement it; layers that do not (normalisation, activations, pooling) are not counted.
/// </summary>
public interface IMaddsCounted
{
    /// <summary>Per-sample MAdds of the forward call that computed <paramref name="output"/> from <paramref name="input"/>.</summary>
    double Madds(Tensor input, Tensor output);
}

/// <summary>
/// A composite layer counted as one row (an octave conv made of four path convs): the MAdds of the layers it calls are
/// credited to it. The outermost group wins (a group inside another is credited to the outer one).
/// </summary>
public interface IMaddsGroup;
