namespace Cac.Optim;

/// <summary>Multiplies the lr by <see cref="Gamma"/> at each milestone: lr = base * gamma^(milestones &lt;= epoch), as torch's MultiStepLR.</summary>
public sealed class MultiStepLR : LrScheduler
{
    private readonly int[] _milestones;

    /// <summary>Creates the scheduler; milestones are epochs (repeats multiply repeatedly, as PyTorch's Counter).</summary>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        _milestones = milestones.Order().ToArray();
        Gamma = gamma;
        Initialize();
    }

    /// <summary>The sorted milestones.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <summary>Factor applied at each milestone.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override double LrAt(int epoch) => BaseLr * Math.Pow(Gamma, _milestones.Count(m => m <= epoch));
}

/// <summary>
/// Cosine annealing from the base lr to <see cref="EtaMin"/> over <see cref="TMax"/> epochs, closed form
/// as torch's CosineAnnealingLR: eta_min + (base - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.
/// </summary>
public sealed class CosineAnnealingLR : LrScheduler
{
    /// <summary>Creates the scheduler.</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        if (tMax <= 0) throw new ArgumentException($"CosineAnnealingLR: T_max must be positive, got {tMax}");
        TMax = tMax;
        EtaMin = etaMin;
        Initialize();
    }

    /// <summary>Half period in epochs.</summary>
    public int TMax { get; }

    /// <summary>Minimum learning rate.</summary>
    public double EtaMin { get; }

    /// <inheritdoc />
    public override double LrAt(int epoch) => EtaMin + (BaseLr - EtaMin) * (1 + Math.Cos(Math.PI * epoch / TMax)) / 2;
}

/// <summary>
/// Linear warm-up, as torch's LinearLR with end factor 1: lr = base * (start + (1 - start) * min(epoch, warmupSteps) / warmupSteps),
/// then constant. Chain it with another schedule through <see cref="SequentialLR"/> (milestone = warmupSteps).
/// </summary>
public sealed class LinearWarmup : LrScheduler
{
    /// <summary>Creates the scheduler.</summary>
    public LinearWarmup(Optimizer optimizer, int warmupSteps, double startFactor = 1.0 / 3) : base(optimizer)
    {
        if (warmupSteps <= 0) throw new ArgumentException($"LinearWarmup: warm-up steps must be positive, got {warmupSteps}");
        if (startFactor is <= 0 or > 1) throw new ArgumentException($"LinearWarmup: start factor must lie in (0, 1], got {startFactor}");
        WarmupSteps = warmupSteps;
        StartFactor = startFactor;
        Initialize();
    }

    /// <summary>Epochs (or iterations) to reach the base lr.</summary>
    public int WarmupSteps { get; }

    /// <summary>Fraction of the base lr at epoch 0.</summary>
    public double StartFactor { get; }

    /// <inheritdoc />
    public override double LrAt(int epoch) => BaseLr * (StartFactor + (1 - StartFactor) * Math.Min(epoch, WarmupSteps) / WarmupSteps);
}

/// <summary>
/// Runs schedulers one after another, as torch's SequentialLR: before milestones[0] the first, then from
/// milestones[i-1] the i-th, restarted at its own epoch 0.
/// Example: warm-up then cosine: new SequentialLR(opt, [new LinearWarmup(opt, 5, 0.1), new CosineAnnealingLR(opt, 95)], [5]).
/// </summary>
public sealed class SequentialLR : LrScheduler
{
    private readonly LrScheduler[] _schedulers;
    private readonly int[] _milestones;

    /// <summary>Creates the chain; needs one milestone fewer than schedulers, ascending, all on this optimizer.</summary>
    public SequentialLR(Optimizer optimizer, IReadOnlyList<LrScheduler> schedulers, IReadOnlyList<int> milestones) : base(optimizer)
    {
        if (schedulers.Count == 0) throw new ArgumentException("SequentialLR needs at least one scheduler");
        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException($"SequentialLR: {schedulers.Count} schedulers need {schedulers.Count - 1} milestones, got {milestones.Count}");
        if (schedulers.Any(s => s.Optimizer != optimizer)) throw new ArgumentException("SequentialLR: every scheduler must drive the same optimizer");
        for (int i = 1; i < milestones.Count; i++)
            if (milestones[i] <= milestones[i - 1]) throw new ArgumentException("SequentialLR: milestones must be strictly increasing");
        _schedulers = schedulers.ToArray();
        _milestones = milestones.ToArray();
        Initialize();
    }

    /// <inheritdoc />
    public override double LrAt(int epoch)
    {
        int index = _milestones.Count(m => m <= epoch);
        int start = index == 0 ? 0 : _milestones[index - 1];
        return _schedulers[index].LrAt(epoch - start);
    }
}
