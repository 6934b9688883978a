using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Cac.IO;

namespace Cac.Serialization;

/// <summary>
/// Reads and writes NumPy's .npy format (numpy.save / numpy.load) for float32 ('&lt;f4'), float64 ('&lt;f8') and
/// int32 ('&lt;i4') arrays of any rank in C order. A file is: the magic "\x93NUMPY", a major and a minor version byte
/// (1.0, 2.0 or 3.0), the header length (uint16 little-endian in 1.0, uint32 in 2.0 and 3.0), the header (a Python dict
/// literal <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>, padded with spaces and a newline so
/// that the data starts on a 64-byte boundary; ASCII in 1.0 and 2.0, UTF-8 in 3.0), then the raw data.
/// <para>Loading is strict: the header must be exactly that dict (the three keys once each, Python string, bool and
/// tuple literals), the dtype one of the three above, C order, and the data exactly as long as the shape says. The
/// data length is checked against the file length before anything is allocated. Every problem throws
/// <see cref="InvalidDataException"/> whose message starts "npy file 'PATH': ".</para>
/// <para>Saving writes the bytes numpy 1.24 writes for the same array (version 1.0, or 2.0 for a header too long for
/// 1.0), atomically (temp file, then rename).</para>
/// </summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int Align = 64;
    private const int GrowthAxisMaxDigits = 21; // numpy pads the header so the first axis can grow in place.
    private const long MaxHeaderBytes = 1L << 20;

    /// <summary>Writes <paramref name="tensor"/> (float32, float64 or int32, any device) to <paramref name="path"/> as a C-order .npy file, atomically.</summary>
    public static void Save(string path, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensor);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("npy I/O needs a little-endian machine");
        var (descr, data) = tensor.DType switch
        {
            DType.Float32 => ("<f4", MemoryMarshal.AsBytes(tensor.ToFloatArray().AsSpan()).ToArray()),
            DType.Float64 => ("<f8", MemoryMarshal.AsBytes(tensor.ToDoubleArray().AsSpan()).ToArray()),
            _ => ("<i4", MemoryMarshal.AsBytes(tensor.ToIntArray().AsSpan()).ToArray()),
        };
        var header = Header(descr, tensor.Shape);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            stream.Write(data);
        });
    }

    // Magic, version, length and the padded dict, as numpy's _write_array_header builds them.
    private static byte[] Header(string descr, int[] shape)
    {
        string tuple = shape.Length switch
        {
            0 => "()",
            1 => $"({shape[0]},)",
            _ => "(" + string.Join(", ", shape) + ")",
        };
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple}, }}";
        if (shape.Length > 0) dict += new string(' ', Math.Max(0, GrowthAxisMaxDigits - shape[0].ToString(System.Globalization.CultureInfo.InvariantCulture).Length));
        var text = Encoding.ASCII.GetBytes(dict);
        foreach (var (major, lengthBytes) in new[] { (1, 2), (2, 4) })
        {
            int hlen = text.Length + 1;
            int pad = Align - (Magic.Length + 2 + lengthBytes + hlen) % Align;
            long total = (long)hlen + pad;
            if (lengthBytes == 2 && total > ushort.MaxValue) continue;
            var result = new byte[Magic.Length + 2 + lengthBytes + total];
            Magic.CopyTo(result, 0);
            result[6] = (byte)major;
            result[7] = 0;
            if (lengthBytes == 2) BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)total);
            else BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)total);
            int at = 8 + lengthBytes;
            text.CopyTo(result, at);
            result.AsSpan(at + text.Length, pad).Fill((byte)' ');
            result[^1] = (byte)'\n';
            return result;
        }
        throw new ArgumentException($"npy: a header of {text.Length} bytes is too long");
    }

    /// <summary>Loads a .npy file onto the CPU: float32, float64 or int32 as stored, with the file's shape.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid .npy file of a supported dtype; the message names the file and the problem.</exception>
    public static Tensor Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("npy I/O needs a little-endian machine");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = stream.Length;

        Span<byte> prefix = stackalloc byte[12];
        if (fileLength < 10) throw Bad(path, $"the file is {fileLength} bytes, too short for the magic, version and header length");
        stream.ReadExactly(prefix[..8]);
        if (!prefix[..6].SequenceEqual(Magic)) throw Bad(path, "bad magic: the file does not start with \"\\x93NUMPY\" (not a .npy file)");
        int major = prefix[6], minor = prefix[7];
        if (major is < 1 or > 3 || minor != 0) throw Bad(path, $"unsupported format version {major}.{minor} (supported: 1.0, 2.0, 3.0)");
        int lengthBytes = major == 1 ? 2 : 4;
        if (fileLength < 8 + lengthBytes) throw Bad(path, $"the file is {fileLength} bytes, too short for the {lengthBytes}-byte header length");
        stream.ReadExactly(prefix.Slice(8, lengthBytes));
        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        long dataStart = 8 + lengthBytes + headerLength;
        if (dataStart > fileLength)
            throw Bad(path, $"the header length {headerLength} exceeds the {fileLength - 8 - lengthBytes} bytes that follow it");
        if (headerLength > MaxHeaderBytes) throw Bad(path, $"the header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);

        string header = DecodeHeader(path, headerBytes, major);
        var (descr, fortran, shape) = NpyHeader.Parse(header, problem => Bad(path, problem));
        if (fortran)
            throw Bad(path, "fortran_order is True (column-major data) and only C order is supported; save np.ascontiguousarray(a) instead");
        int elementSize = descr switch
        {
            "<f4" or "<i4" => 4,
            "<f8" => 8,
            _ => throw Bad(path, $"unsupported dtype '{descr}'" + (descr.StartsWith('>') ? " (big-endian)" : "") + "; supported: '<f4' (float32), '<f8' (float64), '<i4' (int32)"),
        };

        // Element count, exact below the 2^100 saturation cap (far beyond any file): checked against the file before allocating.
        Int128 count = 1;
        foreach (var extent in shape) count = Int128.Min(count * extent, (Int128)1 << 100);
        long dataLength = fileLength - dataStart;
        Int128 expected = count * elementSize;
        if (expected != dataLength)
            throw Bad(path, $"dtype '{descr}' of shape {Shape.Format(shape)} needs {expected} data bytes, but the file holds {dataLength} " +
                            (dataLength < expected ? "(truncated)" : "(trailing bytes)"));
        if (count > Array.MaxLength) throw Bad(path, $"shape {Shape.Format(shape)} has {count} elements, more than an array can hold");
        long numel = (long)count;

        switch (descr)
        {
            case "<f4":
                var f = new float[numel];
                stream.ReadExactly(MemoryMarshal.AsBytes(f.AsSpan()));
                return Tensor.FromArray(f, shape);
            case "<f8":
                var d = new double[numel];
                stream.ReadExactly(MemoryMarshal.AsBytes(d.AsSpan()));
                return Tensor.FromArray(d, shape);
            default:
                var i = new int[numel];
                stream.ReadExactly(MemoryMarshal.AsBytes(i.AsSpan()));
                return Tensor.FromArray(i, shape);
        }
    }

    // Versions 1.0 and 2.0 store the header as latin-1 (numpy writes ASCII), 3.0 as UTF-8.
    private static string DecodeHeader(string path, byte[] bytes, int major)
    {
        if (major < 3) return Encoding.Latin1.GetString(bytes);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Bad(path, "the version 3.0 header is not valid UTF-8");
        }
    }

    private static InvalidDataException Bad(string path, string problem) => new($"npy file '{path}': {problem}");
}
