namespace Cac.Data;

/// <summary>Shape of one image, (C, H, W).</summary>
/// <param name="Channels">C.</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Number of floats in one image, C * H * W.</summary>
    public int Length => Channels * Height * Width;

    /// <summary>Prints "(C, H, W)".</summary>
    public override string ToString() => $"({Channels}, {Height}, {Width})";
}
