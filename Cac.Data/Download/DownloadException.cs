namespace Cac.Data;

/// <summary>A download failed: an HTTP error status, a broken connection, or a bad checksum. The message names the URL.</summary>
public class DownloadException : IOException
{
    /// <summary>Creates the exception.</summary>
    public DownloadException(Uri url, string message, Exception? inner = null) : base(message, inner) => Url = url;

    /// <summary>The address that failed.</summary>
    public Uri Url { get; }
}

/// <summary>A downloaded file's hash differs from the published one; the downloaded data was deleted.</summary>
public sealed class ChecksumMismatchException : DownloadException
{
    /// <summary>Creates the exception; the message names the URL, the algorithm, and both hashes.</summary>
    public ChecksumMismatchException(Uri url, string algorithm, string expected, string actual)
        : base(url, $"{url}: {algorithm} checksum mismatch: expected {expected}, got {actual}; the download was discarded")
    {
        Algorithm = algorithm;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>"MD5" or "SHA256".</summary>
    public string Algorithm { get; }

    /// <summary>The published hash.</summary>
    public string Expected { get; }

    /// <summary>The hash of the data received.</summary>
    public string Actual { get; }
}
