namespace Cac.Tests.Data;

/// <summary>Builds CIFAR binary files byte by byte for the tests (independently of the reader).</summary>
internal static class CifarTestFiles
{
    /// <summary>Pixel byte (image i, channel c, row y, column x): distinct-ish values covering 0..255.</summary>
    public static byte Pixel(int i, int c, int y, int x) => (byte)((i * 53 + c * 97 + y * 7 + x * 3 + 1) % 256);

    /// <summary>One record's 3072 pixel bytes: red plane, green plane, blue plane, each 32 x 32 row-major.</summary>
    public static byte[] ImageBytes(int i)
    {
        var p = new byte[3072];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    p[c * 1024 + y * 32 + x] = Pixel(i, c, y, x);
        return p;
    }

    /// <summary>A CIFAR-10 file: per record the label byte then the pixels of image <c>first + k</c>.</summary>
    public static byte[] Cifar10(int first, params byte[] labels)
    {
        var bytes = new List<byte>();
        for (int k = 0; k < labels.Length; k++) { bytes.Add(labels[k]); bytes.AddRange(ImageBytes(first + k)); }
        return [.. bytes];
    }

    /// <summary>A CIFAR-100 file: per record the coarse and fine label bytes then the pixels of image <c>first + k</c>.</summary>
    public static byte[] Cifar100(int first, params (byte Coarse, byte Fine)[] labels)
    {
        var bytes = new List<byte>();
        for (int k = 0; k < labels.Length; k++) { bytes.Add(labels[k].Coarse); bytes.Add(labels[k].Fine); bytes.AddRange(ImageBytes(first + k)); }
        return [.. bytes];
    }
}
