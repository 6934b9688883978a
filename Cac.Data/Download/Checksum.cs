using System.Security.Cryptography;

namespace Cac.Data;

/// <summary>An expected file hash: the algorithm ("MD5" or "SHA256") and the digest as hex (any case).</summary>
/// <param name="Algorithm">"MD5" or "SHA256".</param>
/// <param name="Hex">The digest, hex.</param>
public sealed record Checksum(string Algorithm, string Hex)
{
    /// <summary>An MD5 checksum (what the CIFAR and Fashion-MNIST pages publish).</summary>
    public static Checksum Md5(string hex) => new("MD5", Normalise(hex, 32));

    /// <summary>A SHA-256 checksum.</summary>
    public static Checksum Sha256(string hex) => new("SHA256", Normalise(hex, 64));

    /// <summary>The hash of a whole file with this checksum's algorithm, lower-case hex.</summary>
    public string Compute(string path)
    {
        using var hash = CreateHash();
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = file.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Whether <paramref name="actualHex"/> is this digest (ignoring case).</summary>
    public bool Matches(string actualHex) => string.Equals(Hex, actualHex, StringComparison.OrdinalIgnoreCase);

    /// <summary>An incremental hasher for this algorithm.</summary>
    public IncrementalHash CreateHash() => Algorithm.ToUpperInvariant() switch
    {
        "MD5" => IncrementalHash.CreateHash(HashAlgorithmName.MD5),
        "SHA256" or "SHA-256" => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
        _ => throw new ArgumentException($"Checksum: unsupported algorithm '{Algorithm}'; use MD5 or SHA256"),
    };

    /// <summary>"MD5 c32a1d4a..."</summary>
    public override string ToString() => $"{Algorithm} {Hex}";

    private static string Normalise(string hex, int digits)
    {
        if (hex.Length != digits || !hex.All(char.IsAsciiHexDigit))
            throw new ArgumentException($"Checksum: '{hex}' is not {digits} hex digits");
        return hex.ToLowerInvariant();
    }
}
