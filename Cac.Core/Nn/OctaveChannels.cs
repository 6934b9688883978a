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
}
