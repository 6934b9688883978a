using Cac.Tests.Core;
using FluentAssertions;
using Xunit;
using static Cac.Tests.TestUtil;

namespace Cac.Tests.ContentAware;

/// <summary>
/// The CPU backend's CAC kernels (sparse forward and backward at a partition, the layer forward) under each
/// <see cref="CpuKernelChoice"/> against <see cref="CacLayerReference"/> in float64: the fused register kernel (Fast), the
/// composition of gathers and GEMMs (Gemm), and the reference itself (Reference, bit for bit). Bounds as in
/// ConvReferenceTests: 4 (n + 3) u sum |terms| for the kernel plus as much for the reference, n the longest sum behind an
/// element, the magnitudes from the reference run on absolute values.
/// </summary>
[Collection(nameof(CpuKernelsCollection))]
public class CacLayerReferenceTests
{
    public enum Partition { Mixed, AllSharp, AllSmooth }

    // n, cin, h, w, cout, k, stride, pad, dilation, groups, bias, point, partition
    public static TheoryData<int[], bool, CacSamplePoint, Partition, CpuKernelChoice> Cases()
    {
        var configs = new (int[] Dims, bool Bias, CacSamplePoint Point, Partition Partition)[]
        {
            ([2, 4, 9, 8, 6, 3, 1, 1, 1, 1], true, CacSamplePoint.Centre, Partition.Mixed),
            ([2, 4, 9, 8, 6, 3, 1, 1, 1, 1], false, CacSamplePoint.TopLeft, Partition.Mixed),
            ([2, 4, 9, 8, 6, 3, 1, 1, 1, 1], true, CacSamplePoint.Centre, Partition.AllSharp),
            ([2, 4, 9, 8, 6, 3, 1, 1, 1, 1], true, CacSamplePoint.TopLeft, Partition.AllSmooth),
            ([3, 4, 9, 8, 6, 3, 1, 1, 1, 2], true, CacSamplePoint.Centre, Partition.Mixed),        // groups 2
            ([2, 4, 9, 9, 5, 3, 2, 1, 1, 1], false, CacSamplePoint.Centre, Partition.Mixed),       // stride 2
            ([2, 4, 9, 9, 5, 3, 2, 1, 1, 1], true, CacSamplePoint.TopLeft, Partition.Mixed),
            ([2, 4, 11, 9, 4, 5, 1, 2, 1, 1], true, CacSamplePoint.Centre, Partition.Mixed),       // k 5
            ([2, 3, 9, 9, 4, 3, 1, 2, 2, 1], true, CacSamplePoint.TopLeft, Partition.Mixed),       // dilation 2
            ([2, 3, 8, 8, 19, 3, 1, 1, 1, 1], true, CacSamplePoint.Centre, Partition.Mixed),       // more channels than a tile
        };
        var data = new TheoryData<int[], bool, CacSamplePoint, Partition, CpuKernelChoice>();
        foreach (var c in configs)
            foreach (var choice in new[] { CpuKernelChoice.Reference, CpuKernelChoice.Gemm, CpuKernelChoice.Fast })
                data.Add(c.Dims, c.Bias, c.Point, c.Partition, choice);
        return data;
    }

    private static ConvGeometry Geometry(int[] d) => new(d[0], d[1], d[2], d[3], d[4], d[5], d[5], d[6], d[6], d[7], d[7], d[8], d[8], d[9]);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sparse_forward_and_backward_match_the_reference(int[] dims, bool bias, CacSamplePoint point, Partition partition,
        CpuKernelChoice choice)
    {
        var geometry = Geometry(dims);
        var backend = Device.Cpu.Backend;
        var (x, w, wPhi, b) = Inputs(geometry, bias);
        var gy = RandD(4, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo).Detach();
        int total = geometry.N * geometry.Ho * geometry.Wo;
        var score = partition switch
        {
            Partition.AllSharp => Tensor.Full([total], 1.0, DType.Float64),
            Partition.AllSmooth => Tensor.Full([total], -1.0, DType.Float64),
            _ => RandD(5, total).Detach(),
        };
        var order = new int[total];
        int sharp = CacLayerReference.Partition(score.ToDoubleArray(), order);
        if (partition == Partition.Mixed) sharp.Should().BeInRange(1, total - 1);
        var orderTensor = Tensor.FromArray(order, [total]);

        var y = Tensor.Full([geometry.N, geometry.Cout, geometry.Ho, geometry.Wo], 7.0, DType.Float64);
        var gx = Tensor.Full(x.Shape, 7.0, DType.Float64);
        var gw = Tensor.Full(w.Shape, 7.0, DType.Float64);
        KernelChoice.With(choice, () =>
        {
            backend.CacSparseForward(x.Storage, w.Storage, wPhi.Storage, b?.Storage, orderTensor.Storage, sharp, y.Storage, geometry, point);
            backend.CacSparseBackward(x.Storage, w.Storage, wPhi.Storage, gy.Storage, orderTensor.Storage, sharp, gx.Storage, gw.Storage, geometry, point);
            return 0;
        });

        var xs = x.ToDoubleArray();
        var ws = w.ToDoubleArray();
        var phis = wPhi.ToDoubleArray();
        var bs = b?.ToDoubleArray();
        var gys = gy.ToDoubleArray();
        var yRef = new double[y.Numel];
        var gxRef = new double[x.Numel];
        var gwRef = new double[w.Numel];
        CacLayerReference.SparseForward(xs, ws, phis, bs, order, sharp, yRef, geometry, point);
        CacLayerReference.SparseBackward(xs, ws, phis, gys, order, sharp, gxRef, gwRef, geometry, point);
        if (choice == CpuKernelChoice.Reference)
        {
            y.ToDoubleArray().Should().Equal(yRef);
            gx.ToDoubleArray().Should().Equal(gxRef);
            gw.ToDoubleArray().Should().Equal(gwRef);
            return;
        }
        var yMagnitude = new double[y.Numel];
        var gxMagnitude = new double[x.Numel];
        var gwMagnitude = new double[w.Numel];
        CacLayerReference.SparseForward(Abs(xs), Abs(ws), Abs(phis), bs is null ? null : Abs(bs), order, sharp, yMagnitude, geometry, point);
        CacLayerReference.SparseBackward(Abs(xs), Abs(ws), Abs(phis), Abs(gys), order, sharp, gxMagnitude, gwMagnitude, geometry, point);
        // Longest sums: y a window's Cin/G k^2 products and the bias; a pixel of gx at most k^2 sharp windows and one sampled
        // smooth window per output channel of its group; gw one product per position, then w_phi's gradient added.
        ConvReferenceTests.Compare(y.ToDoubleArray(), yRef, yMagnitude, geometry.PatchSize + 1, $"{choice} y");
        ConvReferenceTests.Compare(gx.ToDoubleArray(), gxRef, gxMagnitude, geometry.CoutPerGroup * (geometry.KH * geometry.KW + 1), $"{choice} gx");
        ConvReferenceTests.Compare(gw.ToDoubleArray(), gwRef, gwMagnitude, total + 1, $"{choice} gw");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layer_forward_matches_the_reference(int[] dims, bool bias, CacSamplePoint point, Partition partition,
        CpuKernelChoice choice)
    {
        var geometry = Geometry(dims);
        var backend = Device.Cpu.Backend;
        var (x, w, wPhi, b) = Inputs(geometry, bias);
        int smooth = CacGeometry.SmoothSize(geometry.KH, geometry.StrideH, geometry.DilationH);
        int total = geometry.N * geometry.Ho * geometry.Wo;
        var xs = x.ToDoubleArray();
        var scoreRef = new double[total];
        CacLayerReference.ScoreMap(xs, geometry.Cin, scoreRef, geometry, smooth);
        double beta = partition switch
        {
            Partition.AllSharp => 1,             // G >= 0, so G + 1 > 0 everywhere
            Partition.AllSmooth => -1e6,
            _ => -ThresholdBetweenScores(scoreRef),
        };
        var gamma = Tensor.FromArray([1.0], [1]);
        var betaTensor = Tensor.FromArray([beta], [1]);
        var scoreMap = Tensor.Full([geometry.N, 1, geometry.Ho, geometry.Wo], 7.0, DType.Float64);
        var mask = Tensor.Full([geometry.N, 1, geometry.Ho, geometry.Wo], 7.0, DType.Float64);
        var y = Tensor.Full([geometry.N, geometry.Cout, geometry.Ho, geometry.Wo], 7.0, DType.Float64);
        int sharp = KernelChoice.With(choice, () => backend.CacLayerForward(x.Storage, w.Storage, wPhi.Storage, b?.Storage, gamma.Storage,
            betaTensor.Storage, scoreMap.Storage, mask.Storage, y.Storage, geometry, point, smooth));

        var scoreMapRef = new double[total];
        var maskRef = new double[total];
        var yRef = new double[y.Numel];
        int sharpRef = CacLayerReference.LayerForward(xs, w.ToDoubleArray(), wPhi.ToDoubleArray(), b?.ToDoubleArray(), 1.0, beta,
            scoreMapRef, maskRef, yRef, geometry, point, smooth);
        scoreMapRef.Should().Equal(scoreRef, "LayerForward's score map is ScoreMap's");
        sharp.Should().Be(sharpRef);
        mask.ToDoubleArray().Should().Equal(maskRef);
        int expectedSharp = partition switch { Partition.AllSharp => total, Partition.AllSmooth => 0, _ => -1 };
        if (expectedSharp >= 0) sharpRef.Should().Be(expectedSharp);
        else sharpRef.Should().BeInRange(1, total - 1);
        if (choice == CpuKernelChoice.Reference)
        {
            scoreMap.ToDoubleArray().Should().Equal(scoreMapRef);
            y.ToDoubleArray().Should().Equal(yRef);
            return;
        }
        // The score map: a channel mean (Cin terms), a Sobel pair (6 weighted taps each), squares, a square root and an m x m
        // box mean, each term at most 16 max mean|x| in size (|Gx| + |Gy| <= 2 (1 + 2 + 1) 2 max |xbar|).
        var xbarMagnitude = CacLayerReference.ChannelMean(Abs(xs), geometry.N, geometry.Cin, geometry.H, geometry.W);
        double scoreBound = 2 * 4 * (geometry.Cin + 6 + 2 + smooth * smooth + 3) * Math.Pow(2, -53) * 16 * MaxAbs(xbarMagnitude);
        var got = scoreMap.ToDoubleArray();
        for (int i = 0; i < total; i++)
            Math.Abs(got[i] - scoreMapRef[i]).Should().BeLessThanOrEqualTo(scoreBound, $"{choice} score map element {i}");
        var yMagnitude = new double[y.Numel];
        var order = new int[total];
        int sharpAgain = CacLayerReference.Partition(maskRef, order);
        sharpAgain.Should().Be(sharpRef);
        CacLayerReference.SparseForward(Abs(xs), Abs(w.ToDoubleArray()), Abs(wPhi.ToDoubleArray()), b is null ? null : Abs(b.ToDoubleArray()),
            order, sharpRef, yMagnitude, geometry, point);
        ConvReferenceTests.Compare(y.ToDoubleArray(), yRef, yMagnitude, geometry.PatchSize + 1, $"{choice} y");
    }

    // x, w, w_phi = the sum of w's taps, bias (or null), float64.
    private static (Tensor X, Tensor W, Tensor WPhi, Tensor? B) Inputs(ConvGeometry geometry, bool bias)
    {
        var x = RandD(1, geometry.N, geometry.Cin, geometry.H, geometry.W).Detach();
        var w = RandD(2, geometry.Cout, geometry.CinPerGroup, geometry.KH, geometry.KW).Detach();
        var b = bias ? RandD(3, geometry.Cout).Detach() : null;
        var ws = w.ToDoubleArray();
        var wPhi = new double[geometry.Cout * geometry.CinPerGroup];
        for (int r = 0; r < wPhi.Length; r++)
            for (int t = 0; t < geometry.KH * geometry.KW; t++) wPhi[r] += ws[r * geometry.KH * geometry.KW + t];
        return (x, w, Tensor.FromArray(wPhi, [geometry.Cout, geometry.CinPerGroup]), b);
    }

    // A threshold in the widest gap between consecutive scores of the middle third: no score lies within rounding of it.
    private static double ThresholdBetweenScores(double[] scores)
    {
        var sorted = scores.Order().ToArray();
        int best = sorted.Length / 3;
        for (int i = sorted.Length / 3; i < 2 * sorted.Length / 3; i++)
            if (sorted[i + 1] - sorted[i] > sorted[best + 1] - sorted[best]) best = i;
        (sorted[best + 1] - sorted[best]).Should().BeGreaterThan(1e-9 * sorted[^1], "the threshold sits in a real gap");
        return (sorted[best] + sorted[best + 1]) / 2;
    }

    private static double MaxAbs(double[] a) => a.Length == 0 ? 0 : a.Max(Math.Abs);

    private static double[] Abs(double[] a) => Array.ConvertAll(a, Math.Abs);
}
