using System.Text.Json.Serialization;

namespace Cac.Cli.Bench;

/// <summary>One benchmark measurement, as `cac bench --json` and bench/pytorch_reference.py print it.</summary>
public sealed record BenchResult(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("unit")] string Unit);
