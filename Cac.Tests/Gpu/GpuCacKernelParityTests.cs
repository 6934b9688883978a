using Cac.Gpu;
using FluentAssertions;
using Xunit;
using static Cac.Tests.Gpu.Parity;

namespace Cac.Tests.Gpu;

// The native CAC kernels of the ILGPU backend (GpuBackend.CacScore.cs, GpuBackend.CacGather.cs) against the CPU
// backend, kernel by kernel, on random inputs and awkward geometries. Outputs the contract overwrites start from
// garbage on the device; outputs it accumulates into start from the same random values on both sides.
[Collection("Gpu")]
[Trait("Category", "GpuParity")]
public class GpuCacKernelParityTests(GpuFixture fixture)
{
    private readonly Device _gpu = fixture.Gpu;
    private static IBackend Cpu => Device.Cpu.Backend;
    private IBackend Gpu => _gpu.Backend;

    public static TheoryData<ConvGeometry> Geometries => new()
    {
        // N, Cin, H, W, Cout, KH, KW, strideH, strideW, padH, padW, dilationH, dilationW, groups
        new ConvGeometry(2, 3, 6, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1),
        new ConvGeometry(2, 4, 7, 6, 4, 3, 3, 2, 2, 1, 1, 1, 1, 2), // stride 2, groups
        new ConvGeometry(1, 2, 9, 8, 3, 5, 5, 2, 2, 2, 2, 1, 1, 1), // k = 5, stride 2
        new ConvGeometry(2, 2, 7, 7, 2, 3, 3, 1, 1, 2, 2, 2, 2, 1), // dilation 2
        new ConvGeometry(1, 3, 6, 5, 6, 3, 2, 1, 2, 0, 1, 1, 1, 3), // 3 x 2 window, mixed strides, no row padding
    };

    // (k, stride, pad, dilation, m): the score map with an explicit smoothing box m, also beyond SmoothSize's choices.
    [Theory]
    [InlineData(3, 1, 1, 1, 1)]
    [InlineData(3, 2, 1, 1, 1)]
    [InlineData(3, 1, 2, 2, 1)]
    [InlineData(5, 2, 2, 1, 2)]
    [InlineData(5, 1, 2, 1, 3)]
    [InlineData(4, 3, 0, 2, 2)]
    public void Sobel_and_input_score_maps(int k, int stride, int pad, int dilation, int m)
    {
        var geometry = new ConvGeometry(2, 3, 9, 8, 1, k, k, stride, stride, pad, pad, dilation, dilation, 1);
        int[] scoreShape = [geometry.N, 1, geometry.Ho, geometry.Wo];
        var xbar = Rand(1, geometry.N, 1, geometry.H, geometry.W);
        var score = Tensor.Zeros(scoreShape);
        var scoreG = Tensor.Full(scoreShape, 7, DType.Float32, _gpu);
        Cpu.CacSobelScore(xbar.Storage, score.Storage, geometry, m);
        Gpu.CacSobelScore(xbar.To(_gpu).Storage, scoreG.Storage, geometry, m);
        // Sobel: 6 weighted taps per direction, two squares, a sum, a square root; then the mean of an m x m box.
        scoreG.ShouldMatchNormwise(score, $"Sobel score k={k} s={stride} p={pad} d={dilation} m={m}", 9 + m * m);

        var x = Rand(2, geometry.N, geometry.Cin, geometry.H, geometry.W);
        var input = Tensor.Zeros(scoreShape);
        var inputG = Tensor.Full(scoreShape, 7, DType.Float32, _gpu);
        Cpu.CacInputScore(x.Storage, geometry.Cin, input.Storage, geometry, m);
        Gpu.CacInputScore(x.To(_gpu).Storage, geometry.Cin, inputG.Storage, geometry, m);
        inputG.ShouldMatchNormwise(input, $"input score k={k} s={stride} p={pad} d={dilation} m={m}", geometry.Cin + 9 + m * m);   // channel mean first
    }

    [Fact]
    public void Step_is_strict()
    {
        var x = Scores(3, 41, "mixed");
        var y = Tensor.Zeros(x.Shape);
        var yg = Tensor.Full(x.Shape, 7, DType.Float32, _gpu);
        Cpu.CacStep(x.Storage, y.Storage);
        Gpu.CacStep(x.To(_gpu).Storage, yg.Storage);
        yg.ToFloatArray().Should().Equal(y.ToFloatArray());
    }

    // n: positions; per: scores per thread (0: the backend's choice, one tile per resident group; small: many tiles, so
    // a partial last strip, a partial last tile and several tiles per group); every mode.
    [Theory]
    [InlineData(1, "mixed", 0)]
    [InlineData(1, "sharp", 1)]
    [InlineData(13, "mixed", 0)]
    [InlineData(37, "mixed", 0)]
    [InlineData(37, "mixed", 3)]
    [InlineData(37, "sharp", 2)]
    [InlineData(37, "smooth", 0)]
    [InlineData(1000, "mixed", 0)]
    [InlineData(1000, "mixed", 7)]
    [InlineData(1000, "smooth", 8)]
    public void Partition_is_stable_and_returns_the_sharp_count(int n, string mode, int per)
    {
        var score = Scores(4, n, mode);
        var order = Tensor.Zeros([n], DType.Int32);
        var orderG = Tensor.FromArray(Enumerable.Repeat(-5, n).ToArray(), [n], _gpu);
        int sharp = Cpu.CacPartition(score.Storage, n, order.Storage);
        int sharpG = per == 0
            ? Gpu.CacPartition(score.To(_gpu).Storage, n, orderG.Storage)
            : fixture.Backend.CacPartition(score.To(_gpu).Storage, n, orderG.Storage, per);
        sharpG.Should().Be(sharp);
        sharp.Should().Be(mode == "sharp" ? n : mode == "smooth" ? 0 : score.ToFloatArray().Count(s => s > 0));
        orderG.ToIntArray().Should().Equal(order.ToIntArray());
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Window_point_and_column_kernels_on_position_lists(ConvGeometry geometry)
    {
        int total = geometry.N * geometry.Ho * geometry.Wo;
        var order = Tensor.Zeros([total], DType.Int32);
        int sharp = Cpu.CacPartition(Scores(5, total, "mixed").Storage, total, order.Storage);
        sharp.Should().BeInRange(1, total - 1);
        var orderG = order.To(_gpu);
        var x = Rand(6, geometry.N, geometry.Cin, geometry.H, geometry.W);
        var xg = x.To(_gpu);
        // (offset, count): the sharp list, the smooth list, every position, an empty list at the end.
        foreach (var (offset, count) in new[] { (0, sharp), (sharp, total - sharp), (0, total), (total, 0) })
        {
            string what = $"{geometry} list [{offset}, +{count})";
            int rows = geometry.Cin * geometry.KH * geometry.KW;

            var cols = Tensor.Zeros([rows, count]);
            var colsG = Tensor.Full([rows, count], 7, DType.Float32, _gpu);
            Cpu.CacGatherWindows(x.Storage, order.Storage, offset, count, cols.Storage, geometry);
            Gpu.CacGatherWindows(xg.Storage, orderG.Storage, offset, count, colsG.Storage, geometry);
            colsG.ShouldMatchElementwise(cols, $"gather windows {what}", Exact);

            var colGrad = Rand(7, rows, count);
            var gx = Rand(8, geometry.N, geometry.Cin, geometry.H, geometry.W);
            var gxg = gx.To(_gpu);
            Cpu.CacScatterWindows(colGrad.Storage, order.Storage, offset, count, gx.Storage, geometry);
            Gpu.CacScatterWindows(colGrad.To(_gpu).Storage, orderG.Storage, offset, count, gxg.Storage, geometry);
            // Each pixel adds the columns of the at most KH KW listed windows that hold it.
            gxg.ShouldMatchNormwise(gx, $"scatter windows {what}", geometry.KH * geometry.KW + 1);

            foreach (var point in new[] { CacSamplePoint.Centre, CacSamplePoint.TopLeft })
            {
                var points = Tensor.Zeros([geometry.Cin, count]);
                var pointsG = Tensor.Full([geometry.Cin, count], 7, DType.Float32, _gpu);
                Cpu.CacGatherPoints(x.Storage, order.Storage, offset, count, points.Storage, geometry, point);
                Gpu.CacGatherPoints(xg.Storage, orderG.Storage, offset, count, pointsG.Storage, geometry, point);
                pointsG.ShouldMatchElementwise(points, $"gather points {point} {what}", Exact);

                var pointGrad = Rand(9, geometry.Cin, count);
                var gp = Rand(10, geometry.N, geometry.Cin, geometry.H, geometry.W);
                var gpg = gp.To(_gpu);
                Cpu.CacScatterPoints(pointGrad.Storage, order.Storage, offset, count, gp.Storage, geometry, point);
                Gpu.CacScatterPoints(pointGrad.To(_gpu).Storage, orderG.Storage, offset, count, gpg.Storage, geometry, point);
                gpg.ShouldMatchElementwise(gp, $"scatter points {point} {what}");   // one addition per sampled pixel
            }

            int positions = geometry.Ho * geometry.Wo;
            var outCols = Rand(11, geometry.Cout, count);
            var bias = Rand(12, geometry.Cout);
            foreach (var b in new[] { bias, null })
            {
                var y = Rand(13, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo); // positions off the list keep these values
                var yg = y.To(_gpu);
                Cpu.CacScatterColumns(outCols.Storage, b?.Storage, order.Storage, offset, count, y.Storage, geometry.Cout, positions);
                Gpu.CacScatterColumns(outCols.To(_gpu).Storage, b?.To(_gpu).Storage, orderG.Storage, offset, count, yg.Storage, geometry.Cout, positions);
                yg.ShouldMatchElementwise(y, $"scatter columns bias={b is not null} {what}");   // a copy plus the bias
            }

            var gy = Rand(14, geometry.N, geometry.Cout, geometry.Ho, geometry.Wo);
            var gyCols = Tensor.Zeros([geometry.Cout, count]);
            var gyColsG = Tensor.Full([geometry.Cout, count], 7, DType.Float32, _gpu);
            Cpu.CacGatherColumns(gy.Storage, order.Storage, offset, count, gyCols.Storage, geometry.Cout, positions);
            Gpu.CacGatherColumns(gy.To(_gpu).Storage, orderG.Storage, offset, count, gyColsG.Storage, geometry.Cout, positions);
            gyColsG.ShouldMatchElementwise(gyCols, $"gather columns {what}", Exact);
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Sample_points_forward_and_backward(ConvGeometry geometry)
    {
        var x = Rand(15, geometry.N, geometry.Cin, geometry.H, geometry.W);
        var gy = Rand(16, geometry.N, geometry.Cin, geometry.Ho, geometry.Wo);
        foreach (var point in new[] { CacSamplePoint.Centre, CacSamplePoint.TopLeft })
        {
            var y = Tensor.Zeros(gy.Shape);
            var yg = Tensor.Full(gy.Shape, 7, DType.Float32, _gpu);
            Cpu.CacSamplePoints(x.Storage, y.Storage, geometry, point);
            Gpu.CacSamplePoints(x.To(_gpu).Storage, yg.Storage, geometry, point);
            yg.ShouldMatchElementwise(y, $"sample points {point} {geometry}", Exact);

            var gx = Tensor.Zeros(x.Shape);
            var gxg = Tensor.Full(x.Shape, 7, DType.Float32, _gpu); // overwritten, not accumulated
            Cpu.CacSamplePointsBackward(gy.Storage, gx.Storage, geometry, point);
            Gpu.CacSamplePointsBackward(gy.To(_gpu).Storage, gxg.Storage, geometry, point);
            gxg.ShouldMatchElementwise(gx, $"sample points backward {point} {geometry}", Exact);   // each pixel is sampled at most once
        }
    }

    [Theory]
    [InlineData(6, 9)]
    [InlineData(5, 1)]
    [InlineData(3, 25)]
    public void Sum_and_spread_taps(int rows, int taps)
    {
        var w = Rand(17, rows, taps);
        var wPhi = Tensor.Zeros([rows]);
        var wPhiG = Tensor.Full([rows], 7, DType.Float32, _gpu);
        Cpu.CacSumTaps(w.Storage, wPhi.Storage, rows, taps);
        Gpu.CacSumTaps(w.To(_gpu).Storage, wPhiG.Storage, rows, taps);
        wPhiG.ShouldMatchNormwise(wPhi, $"sum taps {rows}x{taps}", taps);

        var gwPhi = Rand(18, rows);
        var gw = Rand(19, rows, taps); // accumulated into
        var gwg = gw.To(_gpu);
        Cpu.CacSpreadTaps(gwPhi.Storage, gw.Storage, rows, taps);
        Gpu.CacSpreadTaps(gwPhi.To(_gpu).Storage, gwg.Storage, rows, taps);
        gwg.ShouldMatchElementwise(gw, $"spread taps {rows}x{taps}");   // one addition per tap
    }

    [Theory]
    [InlineData(2, 3, 20)]
    [InlineData(1, 1, 7)]
    [InlineData(3, 5, 1)]
    public void Score_gradient_signs_by_the_score(int n, int channels, int positions)
    {
        var gy = Rand(20, n, channels, positions);
        var y = Rand(21, n, channels, positions);
        var score = Scores(22, n * positions, "mixed").Reshape([n, positions]);
        var gScore = Tensor.Zeros([n, positions]);
        var gScoreG = Tensor.Full([n, positions], 7, DType.Float32, _gpu);
        Cpu.CacScoreGrad(gy.Storage, y.Storage, score.Storage, gScore.Storage, n, channels, positions);
        Gpu.CacScoreGrad(gy.To(_gpu).Storage, y.To(_gpu).Storage, score.To(_gpu).Storage, gScoreG.Storage, n, channels, positions);
        gScoreG.ShouldMatchNormwise(gScore, $"score gradient {n}x{channels}x{positions}", channels);
    }

    // Scores: "mixed" N(0, 1) with every fifth entry 0 and every seventh -0 (smooth: the rule is strict),
    // "sharp" all positive, "smooth" all non-positive.
    private static Tensor Scores(int seed, int n, string mode)
    {
        var s = Rand(seed, n).ToFloatArray();
        for (int i = 0; i < n; i++)
        {
            s[i] = mode switch
            {
                "sharp" => MathF.Abs(s[i]) + 0.01f,
                "smooth" => i % 3 == 0 ? 0f : -MathF.Abs(s[i]),
                _ => i % 5 == 4 ? 0f : i % 7 == 6 ? -0f : s[i],
            };
        }
        return Tensor.FromArray(s, [n]);
    }
}

// The partition's group scan with the 128-thread groups GPUs run (the default simulator's groups have 2 threads).
[Collection("GpuWide")]
[Trait("Category", "GpuParity")]
public class GpuCacWidePartitionTests(WideGpuFixture fixture)
{
    // per: scores per thread (0: the backend's choice); 1000 scores in strips of 2 are four 256-score tiles for one group.
    [Theory]
    [InlineData(37, 0)]
    [InlineData(1000, 0)]
    [InlineData(1000, 2)]
    public void Partition_with_wide_groups_matches_the_cpu(int n, int per)
    {
        var s = Rand(23, n).ToFloatArray();
        for (int i = 0; i < n; i += 6) s[i] = 0f; // zero is smooth
        var score = Tensor.FromArray(s, [n]);
        var order = Tensor.Zeros([n], DType.Int32);
        var orderG = Tensor.Zeros([n], DType.Int32, fixture.Gpu);
        int sharp = Device.Cpu.Backend.CacPartition(score.Storage, n, order.Storage);
        int sharpG = per == 0
            ? fixture.Gpu.Backend.CacPartition(score.To(fixture.Gpu).Storage, n, orderG.Storage)
            : fixture.Backend.CacPartition(score.To(fixture.Gpu).Storage, n, orderG.Storage, per);
        sharpG.Should().Be(sharp);
        orderG.ToIntArray().Should().Equal(order.ToIntArray());
    }
}
