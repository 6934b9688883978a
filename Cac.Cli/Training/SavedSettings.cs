using System.Text.Json.Nodes;
using Cac.Cli.Commands;

namespace Cac.Cli.Training;

/// <summary>
/// Settings read back from a file written by an older build (a training state, a finished-row marker): an option that did
/// not exist yet has no key there, and the run behaved as it would with the value below, not with today's default.
/// </summary>
internal static class SavedSettings
{
    /// <summary>
    /// <paramref name="settings"/> as deserialized from <paramref name="saved"/> (the same settings as a JSON object, snake_case
    /// keys), with every option added since the format began set to how runs behaved before it: the gated threshold gradient
    /// (`--threshold-gradient`) and no threshold lr normalisation (`--threshold-lr-norm`).
    /// </summary>
    public static TrainCommand.TrainSettings WithOptionsLaterAdded(TrainCommand.TrainSettings settings, JsonObject? saved)
    {
        if (saved is null) return settings;
        if (!saved.ContainsKey("threshold_gradient")) settings = settings with { ThresholdGradient = "gated" };
        if (!saved.ContainsKey("threshold_lr_norm")) settings = settings with { ThresholdLrNorm = false };
        return settings;
    }
}
