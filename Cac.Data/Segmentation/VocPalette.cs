namespace Cac.Data;

/// <summary>
/// PASCAL VOC's 256-colour palette, as its SegmentationClass PNGs store it: index i gets the colour whose bits are i's
/// bits interleaved (bit 0 of i to the top bit of red, bit 1 to green, bit 2 to blue, bit 3 to red's next bit, ...):
/// 0 black (background), 1 (128, 0, 0), 2 (0, 128, 0), ..., 255 (224, 224, 192) (the boundary band, "void"). The 256
/// colours are distinct, so a decoded RGB mask maps back to its indices (<see cref="IndexOf"/>).
/// </summary>
public static class VocPalette
{
    /// <summary>The palette as 256 RGB triples, 768 bytes (a PNG PLTE chunk's payload).</summary>
    public static IReadOnlyList<byte> Rgb { get; } = Build();

    private static readonly Dictionary<int, byte> Indices = Enumerable.Range(0, 256).ToDictionary(i => Key(Rgb[3 * i], Rgb[3 * i + 1], Rgb[3 * i + 2]), i => (byte)i);

    /// <summary>The palette index of colour (r, g, b), or null when the colour is not in the palette.</summary>
    public static byte? IndexOf(byte r, byte g, byte b) => Indices.TryGetValue(Key(r, g, b), out var i) ? i : null;

    private static int Key(byte r, byte g, byte b) => r << 16 | g << 8 | b;

    private static byte[] Build()
    {
        var rgb = new byte[768];
        for (int i = 0; i < 256; i++)
        {
            int r = 0, g = 0, b = 0, c = i;
            for (int bit = 7; bit >= 0; bit--, c >>= 3)
            {
                r |= (c & 1) << bit;
                g |= (c >> 1 & 1) << bit;
                b |= (c >> 2 & 1) << bit;
            }
            (rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) = ((byte)r, (byte)g, (byte)b);
        }
        return rgb;
    }
}
