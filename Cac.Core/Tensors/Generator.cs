using System.Buffers.Binary;

namespace Cac;

/// <summary>
/// A seeded source of random numbers (uniform and normal), like torch.Generator. The sequence is exactly that of
/// <c>new System.Random(seed)</c> (Knuth's subtractive generator as .NET implements it for seeded instances), but the
/// state is held here so that <see cref="GetState"/> and <see cref="SetState"/> can save and restore it (resuming training).
/// Not thread-safe.
/// </summary>
public sealed class Generator
{
    private const int StateVersion = 1;
    private const int TableLength = 56;
    // Bytes of GetState(): version, seed, inext, inextp, 56 table entries (int32 each), spare-normal flag (int32), spare (float64).
    private const int StateBytes = 4 * (4 + TableLength + 1) + 8;

    private readonly int[] _table = new int[TableLength];
    private int _inext, _inextp;
    private double? _spareNormal;

    /// <summary>Creates a generator; the same seed gives the same sequence on every run and platform.</summary>
    public Generator(int seed)
    {
        Seed = seed;
        // Knuth's initialisation, as System.Random(int seed).
        int subtraction = seed == int.MinValue ? int.MaxValue : Math.Abs(seed);
        int mj = 161803398 - subtraction;
        _table[55] = mj;
        int mk = 1, ii = 0;
        for (int i = 1; i < 55; i++)
        {
            if ((ii += 21) >= 55) ii -= 55;
            _table[ii] = mk;
            mk = mj - mk;
            if (mk < 0) mk += int.MaxValue;
            mj = _table[ii];
        }
        for (int k = 1; k < 5; k++)
        {
            for (int i = 1; i < 56; i++)
            {
                int n = i + 30;
                if (n >= 55) n -= 55;
                _table[i] -= _table[1 + n];
                if (_table[i] < 0) _table[i] += int.MaxValue;
            }
        }
        _inext = 0;
        _inextp = 21;
    }

    /// <summary>
    /// The generator used when none is given (module initialisation, dropout), like PyTorch's global RNG.
    /// Reset it with <see cref="ManualSeed"/>.
    /// </summary>
    public static Generator Default { get; private set; } = new(0);

    /// <summary>Replaces <see cref="Default"/> with a generator seeded by <paramref name="seed"/> (torch.manual_seed).</summary>
    public static void ManualSeed(int seed) => Default = new Generator(seed);

    /// <summary>The seed this generator started from.</summary>
    public int Seed { get; }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => Sample();

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxExclusive);
        return (int)(Sample() * maxExclusive);
    }

    /// <summary>A 64-bit value for seeding counter-based kernels (dropout).</summary>
    public ulong NextUInt64() => (ulong)NextInt64() ^ ((ulong)InternalSample() << 63);

    /// <summary>Standard normal sample (Box-Muller, pairs cached).</summary>
    public double NextNormal()
    {
        if (_spareNormal is { } spare) { _spareNormal = null; return spare; }
        double u1 = 1.0 - Sample(), u2 = Sample();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A Fisher-Yates permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>
    /// The complete state (like torch.Generator.get_state()): an opaque byte array that <see cref="SetState"/> accepts,
    /// on this or another generator, to continue the same sequence from this point.
    /// </summary>
    public byte[] GetState()
    {
        var bytes = new byte[StateBytes];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, StateVersion);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], Seed);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], _inext);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], _inextp);
        for (int i = 0; i < TableLength; i++) BinaryPrimitives.WriteInt32LittleEndian(span[(16 + 4 * i)..], _table[i]);
        int tail = 16 + 4 * TableLength;
        BinaryPrimitives.WriteInt32LittleEndian(span[tail..], _spareNormal is null ? 0 : 1);
        BinaryPrimitives.WriteDoubleLittleEndian(span[(tail + 4)..], _spareNormal ?? 0);
        return bytes;
    }

    /// <summary>
    /// Restores a state from <see cref="GetState"/> (like torch.Generator.set_state()); the next draws are those that
    /// followed the saved point. <see cref="Seed"/> keeps this generator's own seed.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not a state of this format (wrong length, version or indices); nothing changes then.</exception>
    public void SetState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != StateBytes)
            throw new ArgumentException($"Generator.SetState: a state is {StateBytes} bytes, got {state.Length}", nameof(state));
        var span = state.AsSpan();
        int version = BinaryPrimitives.ReadInt32LittleEndian(span);
        if (version != StateVersion)
            throw new ArgumentException($"Generator.SetState: unknown state version {version} (expected {StateVersion})", nameof(state));
        int inext = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        int inextp = BinaryPrimitives.ReadInt32LittleEndian(span[12..]);
        if (inext is < 0 or >= TableLength || inextp is < 0 or >= TableLength)
            throw new ArgumentException($"Generator.SetState: table indices {inext} and {inextp} lie outside [0, {TableLength})", nameof(state));
        int tail = 16 + 4 * TableLength;
        int hasSpare = BinaryPrimitives.ReadInt32LittleEndian(span[tail..]);
        if (hasSpare is not (0 or 1))
            throw new ArgumentException($"Generator.SetState: invalid spare-normal flag {hasSpare}", nameof(state));
        for (int i = 0; i < TableLength; i++) _table[i] = BinaryPrimitives.ReadInt32LittleEndian(span[(16 + 4 * i)..]);
        _inext = inext;
        _inextp = inextp;
        _spareNormal = hasSpare == 1 ? BinaryPrimitives.ReadDoubleLittleEndian(span[(tail + 4)..]) : null;
    }

    // Uniform in [0, 1): InternalSample() / int.MaxValue, as System.Random.
    private double Sample() => InternalSample() * (1.0 / int.MaxValue);

    // One step of the subtractive generator: a value in [0, int.MaxValue).
    private int InternalSample()
    {
        int next = _inext + 1;
        if (next >= TableLength) next = 1;
        int nextp = _inextp + 1;
        if (nextp >= TableLength) nextp = 1;
        int result = _table[next] - _table[nextp];
        if (result == int.MaxValue) result--;
        if (result < 0) result += int.MaxValue;
        _table[next] = result;
        _inext = next;
        _inextp = nextp;
        return result;
    }

    // Uniform in [0, long.MaxValue), as System.Random.NextInt64() of a seeded instance: 22 + 22 + 20 bits, top 63 kept.
    private long NextInt64()
    {
        while (true)
        {
            ulong bits = (ulong)(uint)NextInt(1 << 22) | ((ulong)(uint)NextInt(1 << 22) << 22) | ((ulong)(uint)NextInt(1 << 20) << 44);
            ulong result = bits >> 1;
            if (result != long.MaxValue) return (long)result;
        }
    }
}
