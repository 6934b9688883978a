using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cac.Adversarial;
using Cac.Cli.Adversarial;
using Cac.Cli.Commands;
using Cac.Data;
using Cac.IO;
using Cac.Nn;

namespace Cac.Cli.Reproduce;

/// <summary>
/// Attacks the trained rows of a reproduced Table 5, or reuses what an earlier run saved. Each attack of a source row
/// is one pass (<see cref="AdversarialEvaluation.Run"/>): examples crafted on the source, classified by the source (white
/// box) and by the other model of its pair (transfer). The results go into the source row's <see cref="FileName"/> after
/// every attack, one per column; an attack is reused when its <see cref="AttackSpec"/>, the source's weights and every
/// target's weights (SHA-256 of model.safetensors) are those saved, so a rerun attacks nothing and a stopped run loses at
/// most the attack in progress.
/// </summary>
internal static class AttackStore
{
    /// <summary>The saved attacks' file name inside a row directory.</summary>
    public const string FileName = "attacks.json";

    private const string WeightsFile = "model.safetensors";
    private const string FormatName = "cac-reproduce-attacks";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private sealed record Document(
        [property: JsonPropertyName("format")] string Format,
        [property: JsonPropertyName("attacks")] IReadOnlyList<AttackResult> Attacks);

    /// <summary>The attack <paramref name="column"/> as <paramref name="recipe"/> runs it (its images within the recipe's --limit).</summary>
    public static AttackSpec Spec(AttackColumn column, Recipe recipe)
    {
        var plan = recipe.Attacks ?? throw new ArgumentException($"the {recipe.Scale} recipe attacks nothing", nameof(recipe));
        var o = column.Options();
        return new AttackSpec(column.Name, Attacks.Name(column.Method), o.Epsilon, o.StepSize, o.Steps, o.RandomStart,
            plan.ImagesFor(column, recipe.Limit), recipe.BatchSize, recipe.Seed);
    }

    /// <summary>
    /// The saved results of a finished row for <paramref name="specs"/>, in their order, each on its targets among
    /// <paramref name="targets"/> whose weights are unchanged; an attack not saved for these weights is left out.
    /// </summary>
    public static IReadOnlyList<AttackResult> Saved(ReproduceEntry source, IReadOnlyList<AttackSpec> specs, IReadOnlyList<ReproduceEntry> targets)
    {
        var saved = Load(source.Settings.OutDir!);
        if (saved.Count == 0) return [];
        string sourceHash = WeightsHash(source);
        var hashes = targets.ToDictionary(t => t.Row.Name, WeightsHash);
        return [.. specs.Select(spec => saved.FirstOrDefault(r => Matches(r, spec, sourceHash)))
            .OfType<AttackResult>()
            .Select(r => r with { Targets = [.. r.Targets.Where(t => hashes.TryGetValue(t.Row, out var h) && h == t.Weights)] })];
    }

    /// <summary>
    /// Every attack of <paramref name="specs"/> on <paramref name="source"/> (a finished row), its examples also classified by
    /// <paramref name="transfer"/> (finished rows): reused where saved (see the class summary), run otherwise on the
    /// first images of <paramref name="test"/> on <paramref name="device"/>. <paramref name="onAttack"/> hears of each result
    /// (true: reused) as it comes. Returns the results in spec order.
    /// </summary>
    public static IReadOnlyList<AttackResult> Run(ReproduceEntry source, IReadOnlyList<ReproduceEntry> transfer,
        IReadOnlyList<AttackSpec> specs, IImageDataset test, Device device, Action<AttackSpec, AttackResult, bool> onAttack)
    {
        string dir = source.Settings.OutDir!;
        var targets = new[] { source }.Concat(transfer).ToList();
        var hashes = targets.Select(WeightsHash).ToList();
        var saved = Load(dir).ToList();
        var info = DatasetCatalog.Info(source.Settings.Dataset);
        List<Module>? models = null; // loaded on the first attack that runs
        var results = new List<AttackResult>();
        foreach (var spec in specs)
        {
            var done = saved.FirstOrDefault(r => Matches(r, spec, hashes[0])
                && targets.Select((t, i) => r.On(t.Row.Name)?.Weights == hashes[i]).All(same => same));
            if (done is not null)
            {
                var result = done with { Targets = [.. targets.Select(t => done.On(t.Row.Name)!)] };
                results.Add(result);
                onAttack(spec, result, true);
                continue;
            }
            models ??= [.. targets.Select(t => Load(t, test, info, device))];
            var method = Attacks.Parse(spec.Method);
            var options = new AttackOptions(spec.Eps, spec.StepSize, spec.Steps, spec.RandomStart);
            var pixels = new DataLoader(test, spec.BatchSize, limit: spec.Images, device: device); // no transform: pixels in [0, 1]
            var pass = AdversarialEvaluation.Run(models[0], models, pixels, method, options, new Generator(spec.Seed));
            var fresh = new AttackResult(spec, hashes[0], pass.Images, pass.Seconds,
                [.. targets.Select((t, i) => new TargetResult(t.Row.Name, hashes[i], pass.CleanAccuracy(i), pass.AdversarialAccuracy(i)))]);
            results.Add(fresh);
            saved.RemoveAll(r => r.Spec.Column == spec.Column);
            saved.Add(fresh);
            AtomicFile.WriteAllText(Path.Combine(dir, FileName), JsonSerializer.Serialize(new Document(FormatName, saved), JsonOptions));
            onAttack(spec, fresh, false);
        }
        return results;
    }

    private static bool Matches(AttackResult saved, AttackSpec spec, string sourceHash) => saved.Spec == spec && saved.SourceWeights == sourceHash;

    // A finished row's model, strict from its weights, taking pixels in [0, 1], on the device.
    private static Module Load(ReproduceEntry row, IImageDataset test, DatasetInfo info, Device device)
    {
        var loaded = StrictWeights.Load(row.Row.Model, Path.Combine(row.Settings.OutDir!, WeightsFile), test.ImageShape.Channels, test.ClassCount);
        var model = InputNormalization.Wrap(loaded.Model, info.Mean, info.Std);
        model.To(device);
        return model;
    }

    private static string WeightsHash(ReproduceEntry row) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(row.Settings.OutDir!, WeightsFile))));

    private static IReadOnlyList<AttackResult> Load(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return [];
        Document? doc;
        try
        {
            doc = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a saved-attacks file ({e.Message}); delete it to attack the row again", e);
        }
        if (doc is null || doc.Format != FormatName || doc.Attacks is null)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{path} is not a saved-attacks file (format '{doc?.Format}'); delete it to attack the row again"));
        return doc.Attacks;
    }
}
