using System.Text.Json;
using FluentAssertions;

namespace Cac.Tests.PyTorch;

/// <summary>
/// One PyTorch reference case, as written by the scripts in fixtures/ into Cac.Tests/Fixtures/&lt;case&gt;.json:
/// <c>{"case": name, "params": {...}, "tensors": {name: {"shape": [...], "data": [...]}}}</c>.
/// Gives the hyper-parameters, the tensors as Cac tensors, and tolerance / exact-match assertions.
/// <para>
/// Two precisions: <see cref="Load"/> reads a float32 fixture (fixtures/make_fixtures.py, 9 significant digits) and
/// rounds every value to float32; <see cref="LoadPrecise"/> reads a float64 fixture (fixtures/make_cac_fixtures.py,
/// 17 significant digits: float32 inputs, a float64 reference) at full precision, so one file serves tests in both dtypes.
/// </para>
/// </summary>
internal sealed class FixtureFile
{
    /// <summary>Largest absolute difference accepted between Cac's float32 result and the reference.</summary>
    public const double Tolerance = 1e-4;

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
    /// Asserts that <paramref name="actual"/> has the shape of reference tensor <paramref name="name"/> and
    /// differs from it by at most <paramref name="tolerance"/> everywhere; the failure message names the case
    /// (and <paramref name="context"/>), the tensor, the max abs error and where it occurs.
    /// </summary>
    public void AssertClose(string name, Tensor? actual, double tolerance = Tolerance, string context = "")
    {
        var (shape, expected) = Entry(name);
        string what = $"{Case}{context}: '{name}'";
        actual.Should().NotBeNull($"{what} should have been computed (a missing gradient?)");
        Shape.SameAs(actual!.Dims, shape).Should().BeTrue($"{what} should have shape {Shape.Format(shape)}, but Cac gave {Shape.Format(actual.Dims)}");
        var got = actual.ToDoubleArray();
        double maxError = 0;
        int at = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double e = Math.Abs(got[i] - expected[i]);
            if (double.IsNaN(e)) e = double.PositiveInfinity;
            if (e > maxError) { maxError = e; at = i; }
        }
        string digits = _precise ? "g17" : "g9";
        maxError.Should().BeLessThanOrEqualTo(tolerance,
            $"{what} max abs error is {maxError:g3} at flat index {at} (expected {expected[at].ToString(digits)}, got {(got.Length > 0 ? got[at] : double.NaN).ToString(digits)})");
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
