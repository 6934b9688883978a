namespace Cac.Tests.Core;

/// <summary>
/// <see cref="ConvReference"/> in double for the tests' error bounds: each result together with its magnitude, the sum of
/// the absolute values of the terms it adds up (the scale of its rounding error). Since |w x| = |w| |x|, the magnitude is
/// the same reference run on the absolute values (plus |bias|).
/// </summary>
internal static class ConvReferenceResults
{
    /// <summary>The geometry of x (N, Cin, H, W) and w (Cout, Cin/G, KH, KW) with square stride, padding and dilation.</summary>
    public static ConvGeometry Geometry(int[] xs, int[] ws, int stride, int padding, int dilation, int groups) =>
        new(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, stride, padding, padding, dilation, dilation, groups);

    /// <summary>y = conv(x, w) + bias (N, Cout, Ho, Wo) and |bias| + sum |x w|.</summary>
    public static (double[] Y, double[] Magnitude) Forward(double[] x, double[] w, double[]? bias, ConvGeometry geometry)
    {
        var y = new double[geometry.N * geometry.Cout * geometry.Ho * geometry.Wo];
        var magnitude = new double[y.Length];
        ConvReference.Forward(x, w, bias, y, geometry);
        ConvReference.Forward(Abs(x), Abs(w), bias is null ? null : Abs(bias), magnitude, geometry);
        return (y, magnitude);
    }

    /// <summary><see cref="Forward(double[], double[], double[], ConvGeometry)"/> from shapes, with y's shape.</summary>
    public static (double[] Y, double[] Scale, int[] Shape) Forward(double[] x, int[] xs, double[] w, int[] ws, double[]? bias,
        int stride, int padding, int dilation, int groups)
    {
        var geometry = Geometry(xs, ws, stride, padding, dilation, groups);
        var (y, magnitude) = Forward(x, w, bias, geometry);
        return (y, magnitude, [geometry.N, geometry.Cout, geometry.Ho, geometry.Wo]);
    }

    /// <summary>gx = dL/dx (N, Cin, H, W) from gy and sum |gy w| per element.</summary>
    public static (double[] Gx, double[] Magnitude) BackwardInput(double[] gy, double[] w, ConvGeometry geometry)
    {
        var gx = new double[geometry.N * geometry.Cin * geometry.H * geometry.W];
        var magnitude = new double[gx.Length];
        ConvReference.BackwardInput(gy, w, gx, geometry);
        ConvReference.BackwardInput(Abs(gy), Abs(w), magnitude, geometry);
        return (gx, magnitude);
    }

    /// <summary>gw = dL/dw (Cout, Cin/G, KH, KW) from x and gy, and sum |gy x| per element.</summary>
    public static (double[] Gw, double[] Magnitude) BackwardWeight(double[] x, double[] gy, ConvGeometry geometry)
    {
        var gw = new double[geometry.Cout * geometry.PatchSize];
        var magnitude = new double[gw.Length];
        ConvReference.BackwardWeight(x, gy, gw, geometry);
        ConvReference.BackwardWeight(Abs(x), Abs(gy), magnitude, geometry);
        return (gw, magnitude);
    }

    private static double[] Abs(double[] a) => Array.ConvertAll(a, Math.Abs);
}
