namespace Cac.Optim;

/// <summary>
/// Base class of learning-rate schedulers, as torch.optim.lr_scheduler in closed form. Epoch 0 is the
/// state after construction (the optimizer's lr is set to <see cref="LrAt"/>(0)); each <see cref="Step"/>
/// advances one epoch (or iteration) and sets the optimizer's lr to <see cref="LrAt"/>(LastEpoch).
/// The base lr is the optimizer's lr when the first scheduler was attached (PyTorch's initial_lr), so
/// several schedulers built on one optimizer share it and can be chained with <see cref="SequentialLR"/>.
/// </summary>
public abstract class LrScheduler
{
    /// <summary>Attaches to <paramref name="optimizer"/> and applies the epoch-0 learning rate.</summary>
    protected LrScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        optimizer.InitialLearningRate ??= optimizer.LearningRate;
        BaseLr = optimizer.InitialLearningRate.Value;
    }

    /// <summary>The optimizer whose learning rate this scheduler sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The learning rate at epoch 0 before any factor (PyTorch's base_lr).</summary>
    public double BaseLr { get; }

    /// <summary>Epochs stepped so far (0 after construction).</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The learning rate this scheduler last applied.</summary>
    public double CurrentLr { get; private set; }

    /// <summary>The learning rate at <paramref name="epoch"/> (closed form).</summary>
    public abstract double LrAt(int epoch);

    /// <summary>Advances one epoch and sets the optimizer's learning rate.</summary>
    public void Step() => Resume(LastEpoch + 1);

    /// <summary>Jumps to <paramref name="lastEpoch"/> (to resume training) and sets the optimizer's learning rate.</summary>
    public void Resume(int lastEpoch)
    {
        if (lastEpoch < 0) throw new ArgumentOutOfRangeException(nameof(lastEpoch), lastEpoch, "epochs start at 0");
        LastEpoch = lastEpoch;
        CurrentLr = LrAt(lastEpoch);
        Optimizer.LearningRate = CurrentLr;
    }

    /// <summary>Derived constructors call this last: applies the epoch-0 learning rate (PyTorch's initial step).</summary>
    protected void Initialize() => Resume(0);
}
