namespace Cac.IO;

/// <summary>Writes files so that a crash never leaves one half-written: a temp file, flushed to disk, then renamed over the target.</summary>
public static class AtomicFile
{
    /// <summary>Writes the stream produced by <paramref name="write"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string tmp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>Writes text (UTF-8) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string contents) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream, leaveOpen: true);
        writer.Write(contents);
    });
}
