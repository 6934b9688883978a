namespace Cac.Nn;

/// <summary>How octave layers split channels: low = floor(alpha * C) (as the reference's int(alpha * C)), high = C - low.</summary>
public static class OctaveChannels
{
    /// <summary>Splits <paramref name="channels"/> by <paramref name="alpha"/> in [0, 1); at least one channel must stay high.</summary>
    public static (int High, int Low) Split(int channels, double alpha, string owner = "octave")
    {
        if (channels <= 0) throw new ArgumentException($"{owner}: channels must be positive, got {channels}");
        if (!(alpha >= 0 && alpha < 1)) throw new ArgumentException($"{owner}: alpha must lie in [0, 1), got {alpha}");
        int low = (int)Math.Floor(alpha * channels);
        if (low >= channels) throw new ArgumentException($"{owner}: alpha {alpha} leaves no high-frequency channel out of {channels}");
        return (channels - low, low);
    }

    /// <summary>Checks an explicit split: at least one high-frequency channel and no negative low part; returns it.</summary>
    public static (int High, int Low) Check((int High, int Low) split, string owner = "octave")
    {
        if (split.High <= 0 || split.Low < 0)
            throw new ArgumentException($"{owner}: a split needs at least one high-frequency channel and no negative low part, got high={split.High} low={split.Low}");
        return split;
    }

    /// <summary>The channel-wise sum of two splits: the split of their concatenation (high parts together, low parts together).</summary>
    public static (int High, int Low) Concat((int High, int Low) a, (int High, int Low) b) => (a.High + b.High, a.Low + b.Low);
}
