namespace Cac.Tests.ContentAware;

/// <summary>Naive, loop-by-loop references for the CAC tests, written independently of the kernels.</summary>
internal static class CacReference
{
    private static readonly double[,] SobelX = { { 1, 0, -1 }, { 2, 0, -2 }, { 1, 0, -1 } };

    /// <summary>Channel mean of x (N, C, H, W) as [n, h, w].</summary>
    public static double[,,] ChannelMean(double[] x, int n, int c, int h, int w)
    {
        var m = new double[n, h, w];
        for (int s = 0; s < n; s++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    double sum = 0;
                    for (int ch = 0; ch < c; ch++) sum += x[((s * c + ch) * h + i) * w + j];
                    m[s, i, j] = sum / c;
                }
        return m;
    }

    /// <summary>
    /// The reference code's recipe: a dilated 3 x 3 Sobel conv of xbar (zero padding <paramref name="pad"/>, stride s) and,
    /// with <paramref name="pool"/> &gt; 1, a valid avg_pool(pool, stride 1) of the magnitude. Returns [n, i, j].
    /// </summary>
    public static double[,,] SobelConvThenPool(double[,,] xbar, int stride, int pad, int dilation, int pool)
    {
        int n = xbar.GetLength(0), h = xbar.GetLength(1), w = xbar.GetLength(2);
        int sh = (h + 2 * pad - 2 * dilation - 1) / stride + 1, sw = (w + 2 * pad - 2 * dilation - 1) / stride + 1;
        var g = new double[n, sh, sw];
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
                    g[s, i, j] = Math.Sqrt(gx * gx + gy * gy);
                }
        if (pool == 1) return g;
        var p = new double[n, sh - pool + 1, sw - pool + 1];
        for (int s = 0; s < n; s++)
            for (int i = 0; i < sh - pool + 1; i++)
                for (int j = 0; j < sw - pool + 1; j++)
                {
                    double sum = 0;
                    for (int a = 0; a < pool; a++)
                        for (int b = 0; b < pool; b++) sum += g[s, i + a, j + b];
                    p[s, i, j] = sum / (pool * pool);
                }
        return p;
    }

    /// <summary>y[n, o, oh, ow] = bias[o] + sum over c in o's group of wPhi[o, c] * x[n, c, oh*s - p + off, ow*s - p + off].</summary>
    public static double[] SmoothConv(double[] x, double[] w, double[]? bias, int n, int cin, int h, int wd, int cout, int k,
        int stride, int pad, int dilation, int groups, int offset)
    {
        int ho = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1, wo = (wd + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
        int cg = cin / groups, og = cout / groups;
        var y = new double[n * cout * ho * wo];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < cout; o++)
                for (int i = 0; i < ho; i++)
                    for (int j = 0; j < wo; j++)
                    {
                        double sum = bias?[o] ?? 0;
                        int r = i * stride - pad + offset, c = j * stride - pad + offset;
                        for (int cl = 0; cl < cg; cl++)
                        {
                            double wphi = 0;
                            for (int t = 0; t < k * k; t++) wphi += w[(o * cg + cl) * k * k + t];
                            int ch = o / og * cg + cl;
                            double v = r >= 0 && r < h && c >= 0 && c < wd ? x[((s * cin + ch) * h + r) * wd + c] : 0;
                            sum += wphi * v;
                        }
                        y[((s * cout + o) * ho + i) * wo + j] = sum;
                    }
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
    /// <summary>Sobel magnitude of xbar[s] centred at (r, c), taps d apart, zero outside.</summary>
    public static double SobelAt(double[,,] xbar, int s, int r, int c, int d)
    {
        int h = xbar.GetLength(1), w = xbar.GetLength(2);
        double V(int i, int j) => i >= 0 && i < h && j >= 0 && j < w ? xbar[s, i, j] : 0;
        double gx = 0, gy = 0;
        int[] wts = [1, 2, 1];
        for (int t = -1; t <= 1; t++)
        {
            gx += wts[t + 1] * (V(r + t * d, c - d) - V(r + t * d, c + d));
            gy += wts[t + 1] * (V(r - d, c + t * d) - V(r + d, c + t * d));
        }
        return Math.Sqrt(gx * gx + gy * gy);
    }

    /// <summary>
    /// Score map [n, oh, ow] of a k x k conv: the mean over a, b in [0, m) of the Sobel centred at row (oh + a)*s - p + d,
    /// column (ow + b)*s - p + d, m = d*(k-3)//s + 1 for k &gt; 3, else 1 (Sobel evaluated also past the image, zero there).
    /// </summary>
    public static double[,,] Score(double[,,] xbar, int k, int stride, int pad, int dilation)
    {
        int n = xbar.GetLength(0), h = xbar.GetLength(1), w = xbar.GetLength(2);
        int ho = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1, wo = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
        int m = k > 3 ? dilation * (k - 3) / stride + 1 : 1;
        var g = new double[n, ho, wo];
        for (int s = 0; s < n; s++)
            for (int i = 0; i < ho; i++)
                for (int j = 0; j < wo; j++)
                {
                    double sum = 0;
                    for (int a = 0; a < m; a++)
                        for (int b = 0; b < m; b++)
                            sum += SobelAt(xbar, s, (i + a) * stride - pad + dilation, (j + b) * stride - pad + dilation, dilation);
                    g[s, i, j] = sum / (m * m);
                }
        return g;
    }
}
