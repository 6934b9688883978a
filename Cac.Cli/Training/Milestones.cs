using System.Globalization;

namespace Cac.Cli.Training;

/// <summary>
/// The epochs at which `cac train --schedule multistep` divides the learning rate by 10: the list given by
/// --milestones E1,E2,... (the paper's CIFAR-10 recipe is 160,240 of 400 epochs; docs/design.md, "The paper's recipes"),
/// or by default 50% and 75% of --epochs. A milestone m takes effect from epoch m + 1 on (after m epochs), as PyTorch's MultiStepLR.
/// </summary>
internal static class Milestones
{
    /// <summary>The milestones used when --milestones is left out: 50% and 75% of <paramref name="epochs"/> (at least 1).</summary>
    public static int[] Default(int epochs) => [Math.Max(1, epochs / 2), Math.Max(1, epochs * 3 / 4)];

    /// <summary>The milestones of a run: <paramref name="text"/> parsed, or <see cref="Default"/> when it is null.</summary>
    /// <exception cref="ArgumentException">The text is not a valid list (see <see cref="Parse"/>).</exception>
    public static int[] For(string? text, int epochs) => text is null ? Default(epochs) : Parse(text);

    /// <summary>
    /// Parses "E1,E2,...": comma-separated whole numbers, each at least 1, strictly ascending. Whether they lie below
    /// --epochs is <see cref="Check"/>'s business.
    /// </summary>
    /// <exception cref="ArgumentException">A one-line message naming --milestones and the value.</exception>
    public static int[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var epochs = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out epochs[i]))
                throw new ArgumentException($"--milestones '{text}': '{parts[i]}' is not a whole number of epochs (expected E1,E2,... such as 160,240)");
            if (epochs[i] < 1) throw new ArgumentException($"--milestones '{text}': milestones must be positive, got {epochs[i]}");
            if (i > 0 && epochs[i] <= epochs[i - 1])
                throw new ArgumentException($"--milestones '{text}': milestones must be strictly ascending, but {epochs[i]} follows {epochs[i - 1]}");
        }
        return epochs;
    }

    /// <summary>Parses <paramref name="text"/> and checks that every milestone lies below <paramref name="epochs"/> (a later one would never act).</summary>
    /// <exception cref="ArgumentException">A one-line message naming --milestones and the value.</exception>
    public static int[] Check(string text, int epochs)
    {
        var milestones = Parse(text);
        if (milestones[^1] >= epochs)
            throw new ArgumentException($"--milestones '{text}': every milestone must lie below --epochs {epochs}, got {milestones[^1]}");
        return milestones;
    }
}
