using Cac.Nn;
using Cac.Serialization;

namespace Cac.Cli.Training;

/// <summary>What <see cref="CheckpointInit.Load"/> did: how many tensors it copied, and the keys it could not match.</summary>
/// <param name="Loaded">Model keys filled from the checkpoint.</param>
/// <param name="Missing">Model keys absent from the checkpoint (left at their initial values; gamma and beta when a standard checkpoint initialises a CAC model).</param>
/// <param name="Unexpected">Checkpoint keys the model does not have (ignored).</param>
public sealed record CheckpointInitResult(int Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);

/// <summary>
/// Initialises a model from a safetensors checkpoint non-strictly (`cac train --init`): keys match by name, missing
/// and unexpected keys are allowed and reported, but a shape or dtype mismatch fails (nothing is copied then).
/// </summary>
public static class CheckpointInit
{
    /// <summary>Loads <paramref name="path"/> into <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">A tensor's shape or dtype kind differs from the model's (the message names every one).</exception>
    public static CheckpointInitResult Load(Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"--init: checkpoint '{path}' not found", path);
        var state = SafeTensors.Load(path);
        model.LoadStateDict(state, strict: false);
        var keys = model.StateDict().Keys.ToList();
        var known = keys.ToHashSet();
        var missing = keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !known.Contains(k)).ToList();
        return new CheckpointInitResult(keys.Count - missing.Count, missing, unexpected);
    }
}
