using Cac.Cli.Training;
using Cac.Models;
using Cac.Nn;
using Cac.Serialization;

namespace Cac.Cli.Commands;

/// <summary>A registered model built for a checkpoint and loaded from it strictly, with the input channels and classes it was built for.</summary>
internal sealed record LoadedModel(Module Model, ModelInfo Info, int InChannels, int Classes);

/// <summary>
/// Loads a model's weights for inference (`cac predict`, `cac eval`): strict, unlike <see cref="Training.CheckpointInit"/>.
/// The input channels and classes come from the caller when given, else from the checkpoint (the stem convolution's weight
/// (Cout, Cin, k, k) and the classifier's weight (classes, features), or a segmentation head's (classes, features, 1, 1), found by their names in a probe model), else from the
/// registry's defaults. The model is built with the options the checkpoint records (<see cref="CheckpointMetadata"/>: CAC sample
/// point, octave alpha). Missing or unexpected keys and shape mismatches are errors naming the file and a few keys.
/// </summary>
internal static class StrictWeights
{
    private const int KeysShown = 5;

    public static LoadedModel Load(string modelName, string weightsPath, int? inChannels, int? classes, string what = "--weights")
    {
        var info = ModelRegistry.Info(modelName);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"{what}: file '{weightsPath}' not found", weightsPath);
        var state = SafeTensors.Load(weightsPath, out var metadata);
        var options = CheckpointMetadata.OptionsFrom(metadata, weightsPath);

        // A probe with the default sizes names the stem and classifier weights; the checkpoint's shapes give the sizes.
        var probe = ModelRegistry.Create(info.Name, info.InputChannels, info.NumClasses, new Generator(0), options);
        var probeState = probe.StateDict();
        string? stemKey = probeState.FirstOrDefault(kv => kv.Value.Rank == 4 && kv.Value.Dims[1] == info.InputChannels).Key;
        // The classifier: a linear layer (classes, features), or a segmentation head's 1 x 1 convolution (classes, features, 1, 1).
        static bool IsClassifier(Tensor t, int classes) => t.Dims[0] == classes && (t.Rank == 2 || (t.Rank == 4 && t.Dims[2] == 1 && t.Dims[3] == 1));
        string? classifierKey = probeState.LastOrDefault(kv => IsClassifier(kv.Value, info.NumClasses)).Key;
        int? weightsIn = stemKey is not null && state.TryGetValue(stemKey, out var stem) && stem.Rank == 4 ? stem.Dims[1] : null;
        int? weightsClasses = classifierKey is not null && state.TryGetValue(classifierKey, out var fc) && fc.Rank == probeState[classifierKey].Rank ? fc.Dims[0] : null;

        if (inChannels is not null && weightsIn is not null && inChannels != weightsIn)
            throw new ArgumentException($"{what} '{weightsPath}' is for {weightsIn} input channel(s) ({stemKey} has shape {Shape.Format(state[stemKey!].Dims)}), not {inChannels}");
        if (classes is not null && weightsClasses is not null && classes != weightsClasses)
            throw new ArgumentException($"{what} '{weightsPath}' is for {weightsClasses} classes ({classifierKey} has shape {Shape.Format(state[classifierKey!].Dims)}), not {classes}");
        int c = inChannels ?? weightsIn ?? info.InputChannels;
        int k = classes ?? weightsClasses ?? info.NumClasses;

        var model = c == info.InputChannels && k == info.NumClasses ? probe : ModelRegistry.Create(info.Name, c, k, new Generator(0), options);
        var keys = model.StateDict().Keys.ToList();
        var known = keys.ToHashSet();
        var missing = keys.Where(key => !state.ContainsKey(key)).ToList();
        var unexpected = state.Keys.Where(key => !known.Contains(key)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var problems = new List<string>();
            if (missing.Count > 0) problems.Add($"{missing.Count} of the model's {keys.Count} key(s) are missing ({Abbreviate(missing)})");
            if (unexpected.Count > 0) problems.Add($"{unexpected.Count} key(s) are not in the model ({Abbreviate(unexpected)})");
            throw new ArgumentException($"{what} '{weightsPath}' does not match model '{info.Name}': {string.Join("; ", problems)}. " +
                                        "Is it a checkpoint of another model?");
        }
        try
        {
            model.LoadStateDict(state, strict: true);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{what} '{weightsPath}' does not fit model '{info.Name}' ({c} input channel(s), {k} classes): {e.Message}", e);
        }
        return new LoadedModel(model, info, c, k);
    }

    private static string Abbreviate(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(KeysShown)) + (keys.Count > KeysShown ? $", ... ({keys.Count - KeysShown} more)" : "");
}
