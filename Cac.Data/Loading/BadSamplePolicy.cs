namespace Cac.Data;

/// <summary>What a reader does with a sample it cannot use (an unreadable, truncated or non-image file, an empty class
/// folder, a directory link that loops).</summary>
public enum BadSamplePolicy
{
    /// <summary>Throw at the first one, naming the file (the default).</summary>
    Stop,

    /// <summary>Report it, leave it out, and count it.</summary>
    Skip,
}
