using ILGPU;
using ILGPU.Runtime;
using Cac.Gpu.Kernels;

namespace Cac.Gpu;

// Upsampling (nearest, bilinear) through per-size lookup tables, and constant padding.
public sealed partial class GpuBackend
{
    private readonly Dictionary<(int H, int W, int Ho, int Wo, bool Bilinear, bool AlignCorners), ResizeTable> _resizeTables = [];
    private readonly Lock _tablesLock = new();

    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ResizeArgs, int, int>? _upsample;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ResizeArgs, int, int>? _upsampleBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, float, int, int>? _pad;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, int>? _padBackward;

    /// <summary>Uploaded lookup tables of one resize geometry, kept until the backend is disposed.</summary>
    private sealed record ResizeTable(MemoryBuffer1D<int, Stride1D.Dense> Ints, MemoryBuffer1D<float, Stride1D.Dense> Floats, ResizeArgs Args);

    /// <inheritdoc />
    public void Upsample2dForward(Storage x, Storage y, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners)
    {
        int n = Int(y.Length);
        if (n == 0) return;
        var table = TableOf(h, w, ho, wo, bilinear, alignCorners);
        _upsample ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ResizeArgs, int, int>(ResizeKernels.UpsampleForward));
        _upsample(Threads(n), Floats(x), Floats(y), table.Ints.View, table.Floats.View, table.Args, n, Threads(n));
    }

    /// <inheritdoc />
    public void Upsample2dBackward(Storage gy, Storage gx, int planes, int h, int w, int ho, int wo, bool bilinear, bool alignCorners)
    {
        int n = Int(gx.Length);
        if (n == 0) return;
        var table = TableOf(h, w, ho, wo, bilinear, alignCorners);
        _upsampleBackward ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ResizeArgs, int, int>(ResizeKernels.UpsampleBackward));
        _upsampleBackward(Threads(n), Floats(gy), Floats(gx), table.Ints.View, table.Floats.View, table.Args, n, Threads(n));
    }

    /// <inheritdoc />
    public void Pad2dForward(Storage x, Storage y, int planes, int h, int w, int top, int bottom, int left, int right, double value)
    {
        int n = Int(y.Length);
        if (n == 0) return;
        _pad ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, float, int, int>(ResizeKernels.PadForward));
        _pad(Threads(n), Floats(x), Floats(y), h, w, top, left, h + top + bottom, w + left + right, (float)value, n, Threads(n));
    }

    /// <inheritdoc />
    public void Pad2dBackward(Storage gy, Storage gx, int planes, int h, int w, int top, int bottom, int left, int right)
    {
        int n = Int(gx.Length);
        if (n == 0) return;
        _padBackward ??= Profiled(_accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int, int>(ResizeKernels.PadBackward));
        _padBackward(Threads(n), Floats(gy), Floats(gx), h, w, top, left, h + top + bottom, w + left + right, n, Threads(n));
    }

    private ResizeTable TableOf(int h, int w, int ho, int wo, bool bilinear, bool alignCorners)
    {
        var key = (h, w, ho, wo, bilinear, alignCorners);
        lock (_tablesLock)
        {
            if (_resizeTables.TryGetValue(key, out var cached)) return cached;
            var ints = new List<int>();
            var floats = new List<float>();
            var args = new ResizeArgs { H = h, W = w, Ho = ho, Wo = wo, Bilinear = bilinear ? 1 : 0 };
            (args.RowI0, args.RowI1, args.RowOffsets, args.RowOutputs, args.RowL0, args.RowL1, args.RowWeights) = AppendAxis(ints, floats, h, ho, bilinear, alignCorners);
            (args.ColI0, args.ColI1, args.ColOffsets, args.ColOutputs, args.ColL0, args.ColL1, args.ColWeights) = AppendAxis(ints, floats, w, wo, bilinear, alignCorners);
            var intBuffer = _accelerator.Allocate1D(ints.ToArray());
            var floatBuffer = _accelerator.Allocate1D(floats.ToArray());
            var table = new ResizeTable(intBuffer, floatBuffer, args);
            _resizeTables[key] = table;
            return table;
        }
    }

    /// <summary>
    /// Appends one axis's tables: forward taps (i0, i1, l0, l1 per output) with the CPU backend's formulas, and the
    /// inverse map (for each input, the outputs reading it and their weights). Returns where each part starts.
    /// </summary>
    private static (int I0, int I1, int Offsets, int Outputs, int L0, int L1, int Weights) AppendAxis(
        List<int> ints, List<float> floats, int input, int output, bool bilinear, bool alignCorners)
    {
        var i0 = new int[output];
        var i1 = new int[output];
        var l0 = new float[output];
        var l1 = new float[output];
        for (int d = 0; d < output; d++)
        {
            if (bilinear)
            {
                // PyTorch's rule, as ResizeKernels.LinearTaps on the CPU: the half-pixel shift is evaluated in double, then rounded.
                float scale = alignCorners ? (output > 1 ? (float)(input - 1) / (output - 1) : 0f) : (float)input / output;
                float src = alignCorners ? scale * d : (float)Math.Max(scale * (d + 0.5) - 0.5, 0.0);
                int lo = Math.Min((int)src, input - 1);
                i0[d] = lo;
                i1[d] = lo < input - 1 ? lo + 1 : lo;
                l1[d] = src - lo;
                l0[d] = 1f - l1[d];
            }
            else
            {
                // PyTorch's 'nearest', as ResizeKernels.NearestSource on the CPU: floor(dst * (float)in / out), clamped.
                float scale = (float)input / output;
                i0[d] = i1[d] = Math.Min((int)MathF.Floor(d * scale), input - 1);
                l0[d] = 1f;
            }
        }
        var readers = Enumerable.Range(0, input).Select(_ => new List<(int Output, float Weight)>()).ToArray();
        for (int d = 0; d < output; d++)
        {
            readers[i0[d]].Add((d, l0[d]));
            if (bilinear) readers[i1[d]].Add((d, l1[d]));
        }
        int iI0 = ints.Count;
        ints.AddRange(i0);
        int iI1 = ints.Count;
        ints.AddRange(i1);
        int iOffsets = ints.Count;
        int offset = 0;
        foreach (var r in readers)
        {
            ints.Add(offset);
            offset += r.Count;
        }
        ints.Add(offset);
        int iOutputs = ints.Count;
        foreach (var r in readers) ints.AddRange(r.Select(t => t.Output));
        int fL0 = floats.Count;
        floats.AddRange(l0);
        int fL1 = floats.Count;
        floats.AddRange(l1);
        int fWeights = floats.Count;
        foreach (var r in readers) floats.AddRange(r.Select(t => t.Weight));
        return (iI0, iI1, iOffsets, iOutputs, fL0, fL1, fWeights);
    }

    private void DisposeTables()
    {
        lock (_tablesLock)
        {
            foreach (var table in _resizeTables.Values)
            {
                table.Ints.Dispose();
                table.Floats.Dispose();
            }
            _resizeTables.Clear();
        }
    }
}
