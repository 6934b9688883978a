namespace Cac.Data;

/// <summary>
/// A read-only view of a seekable stream whose position never passes the end: seeks are clamped to [0, Length].
/// <para>
/// Why: StbImageSharp skips a segment by seeking and detects the end of input with Position == Length. A corrupt
/// segment length seeks past the end, the check never becomes true, and its JPEG marker scan loops forever
/// (found by ImageFolderFuzzTests). Clamping keeps reads at the end (they return no data, as before) and makes
/// the end-of-input check work.
/// </para>
/// </summary>
internal sealed class ClampedStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = Math.Clamp(value, 0, inner.Length);
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override int ReadByte() => inner.ReadByte();

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => inner.Position + offset,
            _ => inner.Length + offset,
        };
        return inner.Seek(Math.Clamp(target, 0, inner.Length), SeekOrigin.Begin);
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
