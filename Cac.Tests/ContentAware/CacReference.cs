namespace Cac.Tests.ContentAware;

/// <summary>Naive, loop-by-loop references for the CAC tests, written independently of the kernels.</summary>
internal static class CacReference
{
    private static readonly double[,] SobelX = { { 1, 0, -1 }, { 2, 0, -2 }, { 1, 0, -1 } };

    /// <summary>Channel mean of x (N, C, H, W) as [n, h, w] (<see cref="CacLayerReference.ChannelMean{T}"/>).</summary>
    public static double[,,] ChannelMean(double[] x, int n, int c, int h, int w) => ToGrid(CacLayerReference.ChannelMean(x, n, c, h, w), n, h, w);

    /// <summary>A flat (n, h, w) array as [n, h, w].</summary>
    public static double[,,] ToGrid(double[] flat, int n, int h, int w)
    {
        var grid = new double[n, h, w];
        Buffer.BlockCopy(flat, 0, grid, 0, flat.Length * sizeof(double));
        return grid;
    }

    /// <summary>
    /// The reference code's recipe: a dilated 3 x 3 Sobel conv of xbar (zero padding <paramref name="pad"/>, stride s) and,
    /// with <paramref name="pool"/> &gt; 1, a valid avg_pool(pool, stride 1) of the magnitude. Returns [n, i, j].
    /// </summary>
    public static double[,,] SobelConvThenPool(double[,,] xbar, int stride, int pad, int dilation, int pool)
    {
        int n = xbar.GetLength(0), h = xbar.GetLength(1), w = xbar.GetLength(2);
        int sh = (h + 2 * pad - 2 * dilation - 1) / stride + 1, sw = (w + 2 * pad - 2 * dilation - 1) / stride + 1;
        var sobel = new double[n, sh, sw];
        for (int s = 0; s < n; s++)
            for (int i = 0; i < sh; i++)
                for (int j = 0; j < sw; j++)
                {
                    double gx = 0, gy = 0;
                    for (int a = 0; a < 3; a++)
                        for (int b = 0; b < 3; b++)
                        {
                            int r = i * stride - pad + a * dilation, c = j * stride - pad + b * dilation;
                            double v = r >= 0 && r < h && c >= 0 && c < w ? xbar[s, r, c] : 0;
                            gx += SobelX[a, b] * v;
                            gy += SobelX[b, a] * v;
                        }
                    sobel[s, i, j] = Math.Sqrt(gx * gx + gy * gy);
                }
        if (pool == 1) return sobel;
        var p = new double[n, sh - pool + 1, sw - pool + 1];
        for (int s = 0; s < n; s++)
            for (int i = 0; i < sh - pool + 1; i++)
                for (int j = 0; j < sw - pool + 1; j++)
                {
                    double sum = 0;
                    for (int a = 0; a < pool; a++)
                        for (int b = 0; b < pool; b++) sum += sobel[s, i + a, j + b];
                    p[s, i, j] = sum / (pool * pool);
                }
        return p;
    }

    /// <summary>
    /// y[n, o, oh, ow] = bias[o] + sum over c in o's group of wPhi[o, c] * x[n, c, oh*s - p + off, ow*s - p + off], w_phi the
    /// sum of w's taps: <see cref="CacLayerReference.SparseForward{T}"/> with every window smooth. off is the sample point's
    /// offset (0: top-left, d * (k / 2): centre).
    /// </summary>
    public static double[] SmoothConv(double[] x, double[] w, double[]? bias, int n, int cin, int h, int wd, int cout, int k,
        int stride, int pad, int dilation, int groups, int offset)
    {
        var geometry = new ConvGeometry(n, cin, h, wd, cout, k, k, stride, stride, pad, pad, dilation, dilation, groups);
        var point = offset == 0 ? CacSamplePoint.TopLeft
            : offset == dilation * (k / 2) ? CacSamplePoint.Centre
            : throw new ArgumentException($"offset {offset} is neither sample point's");
        var wPhi = new double[cout * geometry.CinPerGroup];
        for (int r = 0; r < wPhi.Length; r++)
            for (int t = 0; t < k * k; t++) wPhi[r] += w[r * k * k + t];
        var y = new double[n * cout * geometry.Ho * geometry.Wo];
        CacLayerReference.SparseForward(x, w, wPhi, bias, [.. Enumerable.Range(0, y.Length / cout)], 0, y, geometry, point);
        return y;
    }

    /// <summary>The value at quantile q (0..1) of the array (sorted, nearest rank).</summary>
    public static double Quantile(double[] values, double q)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[Math.Clamp((int)(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
    }

    /// <summary>Largest |a - b| divided by the largest |b| (1 when b is all zero).</summary>
    public static double RelativeError(double[] a, double[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"lengths differ: {a.Length} vs {b.Length}");
        double diff = 0, scale = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(a[i] - b[i]));
            scale = Math.Max(scale, Math.Abs(b[i]));
        }
        return diff / (scale == 0 ? 1 : scale);
    }
}

/// <summary>The documented score-map rule evaluated point by point (docs/design.md 2.2 and Ops.CacScoreMap's remarks).</summary>
internal static class CacScoreRule
{
    /// <summary>
    /// Score map [n, oh, ow] of a k x k conv: the mean over a, b in [0, m) of the Sobel centred at row (oh + a)*s - p + d,
    /// column (ow + b)*s - p + d, m = d*(k-3)//s + 1 for k &gt; 3, else 1 (Sobel evaluated also past the image, zero there):
    /// <see cref="CacLayerReference.ScoreMap{T}"/> on xbar as a one-channel input.
    /// </summary>
    public static double[,,] Score(double[,,] xbar, int k, int stride, int pad, int dilation)
    {
        int n = xbar.GetLength(0), h = xbar.GetLength(1), w = xbar.GetLength(2);
        var geometry = new ConvGeometry(n, 1, h, w, 1, k, k, stride, stride, pad, pad, dilation, dilation, 1);
        var flat = new double[xbar.Length];
        Buffer.BlockCopy(xbar, 0, flat, 0, flat.Length * sizeof(double));
        var score = new double[n * geometry.Ho * geometry.Wo];
        CacLayerReference.ScoreMap(flat, 1, score, geometry, CacGeometry.SmoothSize(k, stride, dilation));
        return CacReference.ToGrid(score, n, geometry.Ho, geometry.Wo);
    }
}
