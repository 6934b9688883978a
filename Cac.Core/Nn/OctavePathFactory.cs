namespace Cac.Nn;

/// <summary>
/// Creates one path convolution of an <see cref="OctaveConv2d"/>: a module mapping (N, inChannels, H, W) to
/// (N, outChannels, Ho, Wo) with a square kernel, the given stride and zero padding. Octave convolution realises
/// its own stride by pooling, so the paths are always asked for stride 1. A content-aware octave conv passes a
/// factory that returns content-aware convolutions (each computes its mask from its own input).
/// </summary>
public delegate Module OctavePathFactory(int inChannels, int outChannels, int kernelSize, int stride, int padding);
