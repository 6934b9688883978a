using System.Text.Json;
using FluentAssertions;

namespace Cac.Tests.PyTorch;

/// <summary>
/// One PyTorch reference case, as written by fixtures/make_fixtures.py into Cac.Tests/Fixtures/&lt;case&gt;.json:
/// <c>{"case": name, "params": {...}, "tensors": {name: {"shape": [...], "data": [...]}}}</c>.
/// Gives the hyper-parameters, the tensors as Cac float32 tensors, and a tolerance assertion.
/// </summary>
internal sealed class FixtureFile
{
    /// <summary>Largest absolute difference accepted between Cac's float32 result and the reference.</summary>
    public const double Tolerance = 1e-4;

    private readonly Dictionary<string, JsonElement> _params;
    private readonly Dictionary<string, (int[] Shape, float[] Data)> _tensors;

    private FixtureFile(string caseName, Dictionary<string, JsonElement> parameters, Dictionary<string, (int[], float[])> tensors)
    {
        Case = caseName;
        _params = parameters;
        _tensors = tensors;
    }

    /// <summary>The case name (the file name without .json).</summary>
    public string Case { get; }

    /// <summary>Reads Fixtures/&lt;caseName&gt;.json from the test output directory.</summary>
    public static FixtureFile Load(string caseName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", caseName + ".json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"fixture '{caseName}' not found at {path} (regenerate with /usr/bin/python3 fixtures/make_fixtures.py)", path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var parameters = new Dictionary<string, JsonElement>();
        foreach (var p in root.GetProperty("params").EnumerateObject())
            parameters[p.Name] = p.Value.Clone();
        var tensors = new Dictionary<string, (int[], float[])>();
        foreach (var t in root.GetProperty("tensors").EnumerateObject())
        {
            var shape = t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var data = t.Value.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            if (data.Length != Shape.Numel(shape))
                throw new InvalidDataException($"fixture '{caseName}': tensor '{t.Name}' has {data.Length} values for shape {Shape.Format(shape)}");
            tensors[t.Name] = (shape, data);
        }
        return new FixtureFile(root.GetProperty("case").GetString() ?? caseName, parameters, tensors);
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

    /// <summary>The stored shape of tensor <paramref name="name"/>.</summary>
    public int[] ShapeOf(string name) => (int[])Entry(name).Shape.Clone();

    /// <summary>The stored values of tensor <paramref name="name"/>, flat, row-major.</summary>
    public float[] Data(string name) => (float[])Entry(name).Data.Clone();

    /// <summary>Tensor <paramref name="name"/> as a new float32 Cac tensor (a fresh leaf every call).</summary>
    public Tensor Tensor(string name, bool requiresGrad = false)
    {
        var (shape, data) = Entry(name);
        return Cac.Tensor.FromArray(data, (int[])shape.Clone(), requiresGrad: requiresGrad);
    }

    /// <summary>Class labels stored as whole floats, as a new Int32 tensor.</summary>
    public Tensor Labels(string name)
    {
        var (shape, data) = Entry(name);
        var labels = new int[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            labels[i] = (int)data[i];
            if (labels[i] != data[i])
                throw new InvalidDataException($"fixture '{Case}': label tensor '{name}' holds a non-integer {data[i]} at index {i}");
        }
        return Cac.Tensor.FromArray(labels, (int[])shape.Clone());
    }

    /// <summary>
    /// Asserts that <paramref name="actual"/> has the shape of reference tensor <paramref name="name"/> and
    /// differs from it by at most <paramref name="tolerance"/> everywhere; the failure message names the case,
    /// the tensor, the max abs error and where it occurs.
    /// </summary>
    public void AssertClose(string name, Tensor? actual, double tolerance = Tolerance)
    {
        var (shape, expected) = Entry(name);
        actual.Should().NotBeNull($"{Case}: '{name}' should have been computed (a missing gradient?)");
        Shape.SameAs(actual!.Dims, shape).Should().BeTrue(
            $"{Case}: '{name}' should have shape {Shape.Format(shape)}, but Cac gave {Shape.Format(actual.Dims)}");
        var got = actual.ToFloatArray();
        double maxError = 0;
        int at = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double e = Math.Abs((double)got[i] - expected[i]);
            if (double.IsNaN(e)) e = double.PositiveInfinity;
            if (e > maxError) { maxError = e; at = i; }
        }
        maxError.Should().BeLessThanOrEqualTo(tolerance,
            $"{Case}: '{name}' max abs error is {maxError:g3} at flat index {at} (expected {expected[at]:g9}, got {(got.Length > 0 ? got[at] : float.NaN):g9})");
    }

    private JsonElement Param(string name) =>
        _params.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"fixture '{Case}' has no parameter '{name}' (has: {string.Join(", ", _params.Keys)})");

    private (int[] Shape, float[] Data) Entry(string name) =>
        _tensors.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"fixture '{Case}' has no tensor '{name}' (has: {string.Join(", ", _tensors.Keys)})");
}
