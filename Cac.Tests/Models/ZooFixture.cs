using System.Text.Json;

namespace Cac.Tests.Models;

/// <summary>
/// Reference facts about one torchvision architecture, as written by fixtures/make_zoo_fixtures.py into
/// Cac.Tests/Fixtures/zoo_&lt;model&gt;.json: parameter count, conv + linear MAdds per sample at the recorded input
/// size, and the state_dict keys with their shapes, in order.
/// </summary>
internal sealed record ZooFixture(string Model, int[] Input, long Parameters, long Madds, IReadOnlyList<(string Key, int[] Shape)> StateDict)
{
    /// <summary>Reads Fixtures/zoo_&lt;model&gt;.json from the test output directory.</summary>
    public static ZooFixture Load(string model)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", $"zoo_{model}.json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"fixture for '{model}' not found at {path} (regenerate with /usr/bin/python3 fixtures/make_zoo_fixtures.py)", path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var state = root.GetProperty("state_dict").EnumerateArray()
            .Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(d => d.GetInt32()).ToArray()))
            .ToList();
        return new ZooFixture(root.GetProperty("model").GetString()!, root.GetProperty("input").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
            root.GetProperty("parameters").GetInt64(), root.GetProperty("madds").GetInt64(), state);
    }
}
