namespace Cac.Gpu.Kernels;

/// <summary>
/// Up to six extents or strides passed by value to a kernel (broadcasting, permutes). Shapes of lower rank
/// are padded at the front with extent 1 and stride 0, so kernels always walk six axes, unrolled.
/// CPU twin: none (the CPU kernels take shapes and strides as arrays).
/// </summary>
internal struct Dims6
{
    public int D0, D1, D2, D3, D4, D5;

    public const int Rank = 6;

    /// <summary>Pads <paramref name="values"/> at the front with <paramref name="fill"/> to six entries.</summary>
    public static Dims6 From(ReadOnlySpan<long> values, int fill)
    {
        if (values.Length > Rank)
            throw new NotSupportedException($"the ILGPU backend handles at most {Rank} dimensions here, got {values.Length}");
        Span<int> d = stackalloc int[Rank];
        d.Fill(fill);
        int lead = Rank - values.Length;
        for (int i = 0; i < values.Length; i++) d[lead + i] = GpuBackend.Int(values[i]);
        return new Dims6 { D0 = d[0], D1 = d[1], D2 = d[2], D3 = d[3], D4 = d[4], D5 = d[5] };
    }

    /// <summary>The offset of flat index <paramref name="i"/> of <paramref name="shape"/> under <paramref name="strides"/>.</summary>
    public static int Offset(int i, Dims6 shape, Dims6 strides)
    {
        int rest = i, offset = 0, q;
        q = rest / shape.D5; offset += (rest - q * shape.D5) * strides.D5; rest = q;
        q = rest / shape.D4; offset += (rest - q * shape.D4) * strides.D4; rest = q;
        q = rest / shape.D3; offset += (rest - q * shape.D3) * strides.D3; rest = q;
        q = rest / shape.D2; offset += (rest - q * shape.D2) * strides.D2; rest = q;
        q = rest / shape.D1; offset += (rest - q * shape.D1) * strides.D1; rest = q;
        return offset + rest * strides.D0;
    }
}
