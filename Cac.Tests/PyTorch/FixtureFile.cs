using System.Text.Json;
using FluentAssertions;

namespace Cac.Tests.PyTorch;

/// <summary>
/// How far a Cac result may lie from a fixture tensor, element by element (<see cref="FixtureFile.AssertClose"/>):
/// |got_i - e_i| &lt;= u |e_i| + multiple u scale_i, u the unit roundoff of the result's dtype (2^-24, 2^-53), scale_i the
/// tensor's scale S = max |e| (<see cref="Sums"/>) or a magnitude given per element (<see cref="Cancelling"/>). The first
/// term is the rounding of the values themselves: a float32 fixture holds the exact result rounded to float32 (within
/// u/2), Cac rounds its own result once more. The second is the rounding inside Cac's computation:
/// <list type="bullet">
/// <item><see cref="Sums"/>(n): each element is a sum of n terms (n counts every rounding on the longest chain behind the
/// element: the reduction lengths of all the ops it passes through, forward then backward, as each test states). Its
/// error is at most gamma_n sum |terms| (Rounding.Gamma), with rounding errors of random sign about u sum |terms| / 2 up
/// to sqrt(n) u sum |terms| / 3; the fixtures' terms are products of seeded N(0, 1)-scale draws with random signs, so sum
/// |terms| is about 0.8 n sigma while the largest element S of a tensor of such sums is about 2.5 sqrt(n) sigma: sum
/// |terms| ~ 0.3 sqrt(n) S, the expected error about 0.15 sqrt(n) u S, and n u S leaves a factor of 7 sqrt(n) (20 for
/// n = 9, 200 for n = 900), where the worst case, 0.3 n^1.5 u S, would allow far more than any plausible bug.</item>
/// <item><see cref="Cancelling"/>(magnitude): a single sum whose terms mostly cancel (a scalar gradient such as CAC's
/// dL/dbeta = sum of +-gy y over every output, 10 to 500 times smaller than sum |terms|), where S says nothing about the
/// error: 4 u sum |terms| (8 standard deviations of random-sign rounding, about u sum |terms| / 2), from a magnitude the
/// test computes. The old absolute 1e-4 was 0.3 to 2.3 u sum |terms| for CAC's dL/dgamma, within that rounding's spread.</item>
/// </list>
/// Against a float64 fixture in float64 (<see cref="FixtureFile.LoadPrecise"/>: PyTorch's float64 result, rounded as Cac's
/// is) the second term is doubled.
/// </summary>
internal readonly record struct FixtureBound(double Multiple, double[]? Magnitude = null)
{
    /// <summary>Elements that are sums of <paramref name="terms"/> random-sign terms: n u max |e|.</summary>
    public static FixtureBound Sums(int terms) => terms > 0 ? new(terms) : throw new ArgumentOutOfRangeException(nameof(terms));

    /// <summary>Sums whose terms cancel, with each element's sum of term magnitudes: 4 u magnitude.</summary>
    public static FixtureBound Cancelling(double[] magnitude) => new(4, magnitude);
}

/// <summary>
/// One PyTorch reference case, as written by the scripts in fixtures/ into Cac.Tests/Fixtures/&lt;case&gt;.json:
/// <c>{"case": name, "params": {...}, "tensors": {name: {"shape": [...], "data": [...]}}}</c>.
/// Gives the hyper-parameters, the tensors as Cac tensors, and bounded (<see cref="FixtureBound"/>) and exact assertions.
/// <para>
/// Two precisions: <see cref="Load"/> reads a float32 fixture (fixtures/make_fixtures.py, 9 significant digits) and
/// rounds every value to float32; <see cref="LoadPrecise"/> reads a float64 fixture (fixtures/make_cac_fixtures.py,
/// 17 significant digits: float32 inputs, a float64 reference) at full precision, so one file serves tests in both dtypes.
/// </para>
/// </summary>
internal sealed class FixtureFile
{
    private readonly Dictionary<string, JsonElement> _params;
    private readonly Dictionary<string, (int[] Shape, double[] Data)> _tensors;
    private readonly bool _precise;

    private FixtureFile(string caseName, Dictionary<string, JsonElement> parameters, Dictionary<string, (int[], double[])> tensors, bool precise)
    {
        Case = caseName;
        _params = parameters;
        _tensors = tensors;
        _precise = precise;
    }

    /// <summary>The case name (the file name without .json).</summary>
    public string Case { get; }

    /// <summary>Reads the float32 fixture Fixtures/&lt;caseName&gt;.json from the test output directory (values rounded to float32).</summary>
    public static FixtureFile Load(string caseName) => Read(caseName, precise: false, "make_fixtures.py");

    /// <summary>Reads the float64 fixture Fixtures/&lt;caseName&gt;.json from the test output directory (values at full precision).</summary>
    public static FixtureFile LoadPrecise(string caseName, string script = "make_cac_fixtures.py") => Read(caseName, precise: true, script);

    private static FixtureFile Read(string caseName, bool precise, string script)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", caseName + ".json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"fixture '{caseName}' not found at {path} (regenerate with /usr/bin/python3 fixtures/{script})", path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var parameters = root.GetProperty("params").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        var tensors = new Dictionary<string, (int[], double[])>();
        foreach (var t in root.GetProperty("tensors").EnumerateObject())
        {
            var shape = t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var data = t.Value.GetProperty("data").EnumerateArray().Select(e => precise ? e.GetDouble() : e.GetSingle()).ToArray();
            if (data.Length != Shape.Numel(shape))
                throw new InvalidDataException($"fixture '{caseName}': tensor '{t.Name}' has {data.Length} values for shape {Shape.Format(shape)}");
            tensors[t.Name] = (shape, data);
        }
        return new FixtureFile(root.GetProperty("case").GetString() ?? caseName, parameters, tensors, precise);
    }

    /// <summary>The names of every tensor in the file.</summary>
    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <summary>True when the file has the hyper-parameter <paramref name="name"/>.</summary>
    public bool HasParam(string name) => _params.ContainsKey(name);

    /// <summary>An integer hyper-parameter.</summary>
    public int Int(string name) => Param(name).GetInt32();

    /// <summary>A real hyper-parameter.</summary>
    public double Double(string name) => Param(name).GetDouble();

    /// <summary>A boolean hyper-parameter.</summary>
    public bool Bool(string name) => Param(name).GetBoolean();

    /// <summary>A string hyper-parameter.</summary>
    public string String(string name) => Param(name).GetString() ?? throw new InvalidDataException($"fixture '{Case}': parameter '{name}' is null");

    /// <summary>A hyper-parameter of any JSON kind (arrays, objects), as stored.</summary>
    public JsonElement Json(string name) => Param(name);

    /// <summary>The stored shape of tensor <paramref name="name"/>.</summary>
    public int[] ShapeOf(string name) => (int[])Entry(name).Shape.Clone();

    /// <summary>The stored values of tensor <paramref name="name"/>, flat, row-major, at the file's precision.</summary>
    public double[] Data(string name) => (double[])Entry(name).Data.Clone();

    /// <summary>Tensor <paramref name="name"/> as a new float32 Cac tensor (a fresh leaf every call).</summary>
    public Tensor Tensor(string name, bool requiresGrad = false) => Tensor(name, DType.Float32, requiresGrad);

    /// <summary>Tensor <paramref name="name"/> as a new Cac tensor of <paramref name="dtype"/> (a fresh leaf every call).</summary>
    public Tensor Tensor(string name, DType dtype, bool requiresGrad = false)
    {
        var (shape, data) = Entry(name);
        return dtype == DType.Float64
            ? Cac.Tensor.FromArray((double[])data.Clone(), (int[])shape.Clone(), requiresGrad: requiresGrad)
            : Cac.Tensor.FromArray(Array.ConvertAll(data, v => (float)v), (int[])shape.Clone(), requiresGrad: requiresGrad);
    }

    /// <summary>Class labels stored as whole numbers, as a new Int32 tensor.</summary>
    public Tensor Labels(string name)
    {
        var (shape, data) = Entry(name);
        var labels = Array.ConvertAll(data, v => (int)v);
        for (int i = 0; i < data.Length; i++)
            if (labels[i] != data[i])
                throw new InvalidDataException($"fixture '{Case}': label tensor '{name}' holds a non-integer {data[i]} at index {i}");
        return Cac.Tensor.FromArray(labels, (int[])shape.Clone());
    }

    /// <summary>
    /// Asserts that <paramref name="actual"/> has the shape of reference tensor <paramref name="name"/> and lies within
    /// <paramref name="bound"/> of it in every element (see <see cref="FixtureBound"/>); the failure message names the case
    /// (and <paramref name="context"/>), the tensor, the worst element, its error and its bound.
    /// </summary>
    public void AssertClose(string name, Tensor? actual, FixtureBound bound, string context = "")
    {
        var (shape, expected) = Entry(name);
        string what = $"{Case}{context}: '{name}'";
        actual.Should().NotBeNull($"{what} should have been computed (a missing gradient?)");
        Shape.SameAs(actual!.Dims, shape).Should().BeTrue($"{what} should have shape {Shape.Format(shape)}, but Cac gave {Shape.Format(actual.Dims)}");
        if (bound.Magnitude is { } m && m.Length != expected.Length)
            throw new ArgumentException($"{what}: {m.Length} magnitudes for {expected.Length} values");
        var got = actual.ToDoubleArray();
        double u = Rounding.Unit(actual.DType);
        double scale = expected.Select(Math.Abs).DefaultIfEmpty(0).Max();
        double multiple = bound.Multiple * (_precise && actual.DType == DType.Float64 ? 2 : 1);
        double worst = -1;
        int at = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double tolerance = u * Math.Abs(expected[i]) + multiple * u * (bound.Magnitude?[i] ?? scale);
            double e = Math.Abs(got[i] - expected[i]);
            double ratio = double.IsNaN(e) ? double.PositiveInfinity : e / Math.Max(tolerance, double.Epsilon);
            if (ratio > worst) { worst = ratio; at = i; }
        }
        string digits = _precise ? "g17" : "g9";
        if (got.Length > 0)
            worst.Should().BeLessThanOrEqualTo(1,
                $"{what} element {at} (expected {expected[at].ToString(digits)}, got {got[at].ToString(digits)}) is off by {Math.Abs(got[at] - expected[at]):g3}, {worst:g3} times its bound u |e| + {multiple} u {(bound.Magnitude is null ? $"max|e| ({scale:g3})" : $"magnitude ({bound.Magnitude[at]:g3})")}, u = {u:g3}");
    }

    /// <summary>Asserts that <paramref name="actual"/> equals reference tensor <paramref name="name"/> exactly (masks).</summary>
    public void AssertEqual(string name, Tensor? actual, string context = "")
    {
        var (shape, expected) = Entry(name);
        string what = $"{Case}{context}: '{name}'";
        actual.Should().NotBeNull($"{what} should have been computed");
        Shape.SameAs(actual!.Dims, shape).Should().BeTrue($"{what} should have shape {Shape.Format(shape)}, but Cac gave {Shape.Format(actual.Dims)}");
        var got = actual.ToDoubleArray();
        var differing = Enumerable.Range(0, got.Length).Where(i => got[i] != expected[i]).ToList();
        differing.Should().BeEmpty($"{what} should match exactly, but differs at flat indices {string.Join(", ", differing.Take(10))}");
    }

    private JsonElement Param(string name) =>
        _params.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"fixture '{Case}' has no parameter '{name}' (has: {string.Join(", ", _params.Keys)})");

    private (int[] Shape, double[] Data) Entry(string name) =>
        _tensors.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"fixture '{Case}' has no tensor '{name}' (has: {string.Join(", ", _tensors.Keys)})");
}
