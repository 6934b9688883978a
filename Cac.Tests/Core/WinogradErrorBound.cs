namespace Cac.Tests.Core;

/// <summary>
/// First-order componentwise rounding-error bounds of Winograd F(4x4, 3x3) (the form of Lavin and Gray's and Barabasz
/// et al.'s analyses). Forward, per 4 x 4 output tile: |y^ - y| &lt;= (Cin + 18) u E, E = |A^T| (sum over ci of
/// |U| ⊙ |B^T| |d| |B|) |A|, with d the tile's 6 x 6 padded input window and U = G w G^T: each transformed input V is a
/// chain of at most 8 roundings, U one (computed in double, rounded once), the products and the sum over the input
/// channels Cin + 1, the output transform 8. Unlike the direct kernels' bound (ConvTests), E involves the whole 6 x 6
/// window of the tile, so an output whose own 3 x 3 window is zero may come out as a rounding-size value.
/// Weight gradient: |gw^ - gw| &lt;= (2 T + 30) u |G^T| (sum over tiles of |A gy A^T| ⊙ |B^T| |d| |B|) |G|, T the number of
/// tiles (the chained sums over the tiles of a block, the blocks and the workers stay below 2 T).
/// </summary>
internal static class WinogradErrorBound
{
    private static readonly double[,] BT =
    {
        { 4, 0, -5, 0, 1, 0 }, { 0, -4, -4, 1, 1, 0 }, { 0, 4, -4, -1, 1, 0 },
        { 0, -2, -1, 2, 1, 0 }, { 0, 2, -1, -2, 1, 0 }, { 0, 4, 0, -5, 0, 1 },
    };
    private static readonly double[,] G =
    {
        { 1.0 / 4, 0, 0 }, { -1.0 / 6, -1.0 / 6, -1.0 / 6 }, { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 }, { 1.0 / 24, -1.0 / 12, 1.0 / 6 }, { 0, 0, 1 },
    };
    private static readonly double[,] AT =
    {
        { 1, 1, 1, 1, 1, 0 }, { 0, 1, -1, 2, -2, 0 }, { 0, 1, 1, 4, 4, 0 }, { 0, 1, -1, 8, -8, 1 },
    };

    /// <summary>The forward bound of every output, (N, Cout, Ho, Wo), for unit roundoff u.</summary>
    public static double[] Forward(double[] x, double[] w, ConvGeometry geometry, double u)
    {
        var bound = new double[geometry.N * geometry.Cout * geometry.Ho * geometry.Wo];
        var absU = new double[geometry.Cout, geometry.Cin][,];
        for (int co = 0; co < geometry.Cout; co++)
            for (int ci = 0; ci < geometry.Cin; ci++)
                absU[co, ci] = Abs(Mul(Mul(G, Filter(w, geometry, co, ci)), Transpose(G)));
        for (int n = 0; n < geometry.N; n++)
            for (int tr = 0; tr < (geometry.Ho + 3) / 4; tr++)
                for (int tc = 0; tc < (geometry.Wo + 3) / 4; tc++)
                {
                    var windows = new double[geometry.Cin][,];
                    for (int ci = 0; ci < geometry.Cin; ci++)
                        windows[ci] = Mul(Mul(Abs(BT), Abs(Window(x, geometry, n, ci, 4 * tr, 4 * tc, 6))), Transpose(Abs(BT)));
                    for (int co = 0; co < geometry.Cout; co++)
                    {
                        var s = new double[6, 6];
                        for (int ci = 0; ci < geometry.Cin; ci++)
                            for (int k = 0; k < 6; k++)
                                for (int l = 0; l < 6; l++) s[k, l] += absU[co, ci][k, l] * windows[ci][k, l];
                        var e = Mul(Mul(Abs(AT), s), Transpose(Abs(AT)));
                        for (int a = 0; a < 4 && 4 * tr + a < geometry.Ho; a++)
                            for (int b = 0; b < 4 && 4 * tc + b < geometry.Wo; b++)
                                bound[((n * geometry.Cout + co) * geometry.Ho + 4 * tr + a) * geometry.Wo + 4 * tc + b] = (geometry.Cin + 18) * u * e[a, b];
                    }
                }
        return bound;
    }

    /// <summary>The weight-gradient bound of every weight, (Cout, Cin, 3, 3), for unit roundoff u.</summary>
    public static double[] WeightGradient(double[] x, double[] gy, ConvGeometry geometry, double u)
    {
        int tileRows = (geometry.Ho + 3) / 4, tileCols = (geometry.Wo + 3) / 4, tiles = geometry.N * tileRows * tileCols;
        var sums = new double[geometry.Cout, geometry.Cin][,];
        for (int co = 0; co < geometry.Cout; co++)
            for (int ci = 0; ci < geometry.Cin; ci++) sums[co, ci] = new double[6, 6];
        var outputGeometry = geometry with { H = geometry.Ho, W = geometry.Wo, PadH = 0, PadW = 0, Cin = geometry.Cout };
        for (int n = 0; n < geometry.N; n++)
            for (int tr = 0; tr < tileRows; tr++)
                for (int tc = 0; tc < tileCols; tc++)
                {
                    var z = new double[geometry.Cout][,];
                    for (int co = 0; co < geometry.Cout; co++)
                        z[co] = Mul(Mul(Transpose(Abs(AT)), Abs(Window(gy, outputGeometry, n, co, 4 * tr, 4 * tc, 4))), Abs(AT));
                    for (int ci = 0; ci < geometry.Cin; ci++)
                    {
                        var v = Mul(Mul(Abs(BT), Abs(Window(x, geometry, n, ci, 4 * tr, 4 * tc, 6))), Transpose(Abs(BT)));
                        for (int co = 0; co < geometry.Cout; co++)
                            for (int k = 0; k < 6; k++)
                                for (int l = 0; l < 6; l++) sums[co, ci][k, l] += z[co][k, l] * v[k, l];
                    }
                }
        var bound = new double[geometry.Cout * geometry.Cin * 9];
        for (int co = 0; co < geometry.Cout; co++)
            for (int ci = 0; ci < geometry.Cin; ci++)
            {
                var e = Mul(Mul(Transpose(Abs(G)), sums[co, ci]), Abs(G));
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++) bound[((co * geometry.Cin + ci) * 3 + i) * 3 + j] = (2.0 * tiles + 30) * u * e[i, j];
            }
        return bound;
    }

    // The size x size window of plane (n, c) whose top-left output pixel is (oh, ow), zero outside the image (padding).
    private static double[,] Window(double[] data, ConvGeometry geometry, int n, int c, int oh, int ow, int size)
    {
        var d = new double[size, size];
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
            {
                int h = oh + i - geometry.PadH, col = ow + j - geometry.PadW;
                if (h >= 0 && h < geometry.H && col >= 0 && col < geometry.W) d[i, j] = data[((n * geometry.Cin + c) * geometry.H + h) * geometry.W + col];
            }
        return d;
    }

    private static double[,] Filter(double[] w, ConvGeometry geometry, int co, int ci)
    {
        var f = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) f[i, j] = w[((co * geometry.Cin + ci) * 3 + i) * 3 + j];
        return f;
    }

    private static double[,] Mul(double[,] a, double[,] b)
    {
        var c = new double[a.GetLength(0), b.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < b.GetLength(1); j++)
                for (int k = 0; k < a.GetLength(1); k++) c[i, j] += a[i, k] * b[k, j];
        return c;
    }

    private static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) t[j, i] = a[i, j];
        return t;
    }

    private static double[,] Abs(double[,] a)
    {
        var b = (double[,])a.Clone();
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) b[i, j] = Math.Abs(a[i, j]);
        return b;
    }
}
