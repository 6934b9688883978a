using FluentAssertions;

namespace Cac.Tests.Data;

/// <summary>Shared pieces of the file-format fuzz tests: byte mutations and the run-each-mutation loop.</summary>
internal static class FuzzHarness
{
    /// <summary>Overwrites 1 to 3 bytes anywhere with random values.</summary>
    public static void FlipBytes(List<byte> bytes, Random rng)
    {
        for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(bytes.Count)] = (byte)rng.Next(256);
    }

    /// <summary>Cuts the file at a random position.</summary>
    public static void Truncate(List<byte> bytes, Random rng)
    {
        int keep = rng.Next(bytes.Count);
        bytes.RemoveRange(keep, bytes.Count - keep);
    }

    /// <summary>Inserts 1 to 5 random bytes at a random position.</summary>
    public static void InsertBytes(List<byte> bytes, Random rng) =>
        bytes.InsertRange(rng.Next(bytes.Count + 1), RandomBytes(rng.Next(1, 6), rng));

    /// <summary>A lazy run of random bytes (drawn from rng as it is enumerated).</summary>
    public static IEnumerable<byte> RandomBytes(int count, Random rng) => Enumerable.Range(0, count).Select(_ => (byte)rng.Next(256));

    /// <summary>
    /// Runs one trial per mutation: <paramref name="trial"/> writes the corrupted file and returns its path and the read.
    /// Each read must finish within 10 s and either succeed (then <paramref name="accepted"/> checks the result) or throw
    /// InvalidDataException whose message names the path (<paramref name="messagePrefixed"/>: starts with "path: ").
    /// </summary>
    public static (int Ok, int Rejected) Run<T>(int mutations, Func<int, (string Path, Func<T> Read)> trial,
        bool messagePrefixed, Action<T>? accepted = null)
    {
        int ok = 0, rejected = 0;
        for (int m = 0; m < mutations; m++)
        {
            var (path, read) = trial(m);
            var run = Task.Run(read);
            bool finished;
            try { finished = run.Wait(TimeSpan.FromSeconds(10)); }
            catch (AggregateException e)
            {
                var inner = e.InnerException!;
                inner.Should().BeOfType<InvalidDataException>($"mutation {m} may only be rejected as invalid data, got {inner}");
                if (messagePrefixed) inner.Message.Should().StartWith(path + ": ");
                else inner.Message.Should().Contain(path);
                rejected++;
                continue;
            }
            finished.Should().BeTrue($"mutation {m} must not hang");
            accepted?.Invoke(run.Result);
            ok++;
        }
        return (ok, rejected);
    }
}
