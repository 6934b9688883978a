using System.Globalization;

namespace Cac.Nn;

/// <summary>Formats values as Python's repr does, so module printouts read like PyTorch's.</summary>
internal static class Repr
{
    /// <summary>1e-05, 0.1, 2.0 (Python float repr).</summary>
    public static string Float(double v)
    {
        var s = v.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e");
        if (s.Contains('e'))
        {
            // C# writes 1e-05 as "1E-05" and 1e20 as "1E+20": Python writes "1e-05" and "1e+20".
            return s;
        }
        return s.Contains('.') || s.Contains("Infinity") || s.Contains("NaN") ? s : s + ".0";
    }

    /// <summary>(3, 3)</summary>
    public static string Pair(int a, int b) => $"({a}, {b})";

    /// <summary>True/False</summary>
    public static string Bool(bool b) => b ? "True" : "False";
}
