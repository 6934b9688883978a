namespace Cac.Data;

/// <summary>
/// Builds the <see cref="InvalidDataException"/> (a sealed BCL type) that every malformed data file raises:
/// the message is "path: problem", and <see cref="Exception.Data"/> holds the path under <see cref="PathKey"/>.
/// </summary>
public static class DataFormat
{
    /// <summary>The <see cref="Exception.Data"/> key of the offending file's path.</summary>
    public const string PathKey = "Cac.Data.FilePath";

    /// <summary>An exception for <paramref name="problem"/> in the file <paramref name="path"/>.</summary>
    public static InvalidDataException Error(string path, string problem, Exception? inner = null)
    {
        var e = new InvalidDataException($"{path}: {problem}", inner);
        e.Data[PathKey] = path;
        return e;
    }

    /// <summary>The file path an exception from <see cref="Error"/> names; null for other exceptions.</summary>
    public static string? PathOf(Exception e) => e.Data[PathKey] as string;
}
