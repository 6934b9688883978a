namespace Cac.Tests.Models;

/// <summary>
/// Deterministic synthetic weights and inputs for whole-model checks against torchvision, computed with integer
/// arithmetic only so that C# and Python (the twin is fixtures/make_model_logit_fixtures.py; keep the two in step) get
/// bit-identical float32 values.
/// <code>
///   splitmix64(x): z = x + 0x9E3779B97F4A7C15; z = (z ^ (z &gt;&gt; 30)) * 0xBF58476D1CE4E5B9;
///                  z = (z ^ (z &gt;&gt; 27)) * 0x94D049BB133111EB; return z ^ (z &gt;&gt; 31)        (mod 2^64, logical shifts)
///   h(s, i) = splitmix64((s &lt;&lt; 32) | i)      s: the entry's index in state_dict order (or InputStream), i: flat index
///   m(s, i) = (h &gt;&gt; 43) - 2^20                a uniform integer in [-2^20, 2^20)
///
///   input                    m * 2^-20              [-1, 1)
///   weight, &gt;= 2 dims        m * 2^-(20 + w)        fan_in f = numel / shape[0], w = floor(floor(log2 floor(f / 3)) / 2)
///   1-dim weight (gamma)     (2^22 + m) * 2^-22     [0.75, 1.25)
///   1-dim bias               m * 2^-23              [-0.125, 0.125)
///   running_mean             m * 2^-23              [-0.125, 0.125)
///   running_var              (2^21 + m) * 2^-21     [0.5, 1.5)
///   num_batches_tracked      h &gt;&gt; 54                [0, 1024)
///   CAC gamma (shape (1))    (2^21 + m) * 2^-21     [0.5, 1.5)
///   CAC beta (shape (1))     -(2^21 + m) * 2^-22    (-0.75, -0.25]: minus the fraction of smooth windows the layer
///                                                   aims at; the reference script replaces it by the layer's threshold
///                                                   (the logit fixture's "beta"), which the tests load in its place
/// </code>
/// Every float is an integer below 2^23 in magnitude times a power of two, so it is exact in float32 and float64.
/// </summary>
internal static class HashFill
{
    /// <summary>The stream of the model input.</summary>
    public const uint InputStream = 0xFFFFFFFF;

    /// <summary>splitmix64's output function of the state <paramref name="x"/> (Steele, Lea, Flood 2014).</summary>
    public static ulong SplitMix64(ulong x)
    {
        unchecked
        {
            ulong z = x + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>h(s, i) = splitmix64((s &lt;&lt; 32) | i).</summary>
    public static ulong Hash(uint stream, uint index) => SplitMix64(((ulong)stream << 32) | index);

    /// <summary>m(s, i) = (h(s, i) &gt;&gt; 43) - 2^20, in [-2^20, 2^20).</summary>
    public static int M(uint stream, uint index) => (int)(Hash(stream, index) >> 43) - (1 << 20);

    /// <summary>
    /// The fill rule of a state_dict entry: running_var, running_mean, num_batches_tracked, weight (&gt;= 2 dims), gamma
    /// (1-dim weight), bias, or a content-aware layer's cac_gamma / cac_beta (entries gamma and beta of shape (1)).
    /// </summary>
    public static string Rule(string key, int[] shape)
    {
        string name = key[(key.LastIndexOf('.') + 1)..];
        return name switch
        {
            "num_batches_tracked" or "running_var" or "running_mean" => name,
            "weight" => shape.Length >= 2 ? "weight" : "gamma",
            "bias" when shape.Length == 1 => "bias",
            "gamma" or "beta" when shape is [1] => "cac_" + name,
            _ => throw new ArgumentException($"no fill rule for {key} {Shape.Format(shape)}"),
        };
    }

    /// <summary>w of a weight with &gt;= 2 dims: floor(floor(log2 floor(fan_in / 3)) / 2); the values lie in [-2^-w, 2^-w).</summary>
    public static int WeightExponent(int[] shape)
    {
        long fanIn = Shape.Numel(shape) / shape[0];
        if (fanIn < 3) throw new ArgumentException($"fan-in {fanIn} of shape {Shape.Format(shape)} is below 3");
        return (63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(fanIn / 3))) / 2;
    }

    /// <summary>The filled values of entry <paramref name="stream"/> (<paramref name="key"/>, <paramref name="shape"/>): a float32 tensor, or Int32 for num_batches_tracked.</summary>
    public static Tensor Entry(uint stream, string key, int[] shape)
    {
        int n = checked((int)Shape.Numel(shape));
        string rule = Rule(key, shape);
        if (rule == "num_batches_tracked")
        {
            var counts = new int[n];
            for (int i = 0; i < n; i++) counts[i] = (int)(Hash(stream, (uint)i) >> 54);
            return Tensor.FromArray(counts, shape);
        }
        var (offset, exponent, sign) = rule switch
        {
            "running_var" => (1 << 21, 21, 1),
            "running_mean" or "bias" => (0, 23, 1),
            "gamma" => (1 << 22, 22, 1),
            "cac_gamma" => (1 << 21, 21, 1),
            "cac_beta" => (1 << 21, 22, -1),
            _ => (0, 20 + WeightExponent(shape), 1),
        };
        var values = Values(stream, n, offset, exponent);
        if (sign < 0) for (int i = 0; i < n; i++) values[i] = -values[i];
        return Tensor.FromArray(values, shape);
    }

    /// <summary>The whole state, entry s of <paramref name="entries"/> (in state_dict order) from stream s.</summary>
    public static Dictionary<string, Tensor> State(IEnumerable<(string Key, int[] Shape)> entries) =>
        entries.Select((e, s) => (e.Key, Value: Entry((uint)s, e.Key, e.Shape))).ToDictionary(e => e.Key, e => e.Value);

    /// <summary>The float32 input m(InputStream, i) * 2^-20, in [-1, 1).</summary>
    public static Tensor Input(params int[] shape) =>
        Tensor.FromArray(Values(InputStream, checked((int)Shape.Numel(shape)), 0, 20), shape);

    // (offset + m(s, i)) * 2^-exponent, exact in float32 since |offset + m| < 2^23.
    private static float[] Values(uint stream, int n, int offset, int exponent)
    {
        var values = new float[n];
        double scale = Math.ScaleB(1.0, -exponent);
        for (int i = 0; i < n; i++) values[i] = (float)((offset + M(stream, (uint)i)) * scale);
        return values;
    }
}
