namespace Cac.Optim;

/// <summary>
/// Base class of the optimizers, as torch.optim.Optimizer with one parameter group. Parameters whose
/// Grad is null are skipped by <see cref="Step"/>. Per-parameter state (momentum buffers, moments, step
/// counts) is kept by parameter index and can be saved with <see cref="State"/> and restored with
/// <see cref="LoadState"/> to resume training.
/// </summary>
public abstract class Optimizer
{
    private readonly Tensor[] _parameters;
    private readonly Dictionary<string, Tensor>[] _state;
    private readonly double[] _lrScale;

    /// <summary>Takes the parameters to optimise (materialised once, in order).</summary>
    protected Optimizer(IEnumerable<Tensor> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToArray();
        if (_parameters.Length == 0) throw new ArgumentException("optimizer got an empty parameter list");
        if (_parameters.Distinct(ReferenceEqualityComparer.Instance).Count() != _parameters.Length)
            throw new ArgumentException("some parameters appear more than once in the optimizer's parameter list");
        foreach (var p in _parameters)
            if (!p.DType.IsFloatingPoint()) throw new ArgumentException($"optimizer parameters must be floating point, got {p.DType.Name()} of shape {Shape.Format(p.Dims)}");
        if (!(learningRate >= 0)) throw new ArgumentException($"invalid learning rate {learningRate}");
        LearningRate = learningRate;
        _state = _parameters.Select(_ => new Dictionary<string, Tensor>()).ToArray();
        _lrScale = Enumerable.Repeat(1.0, _parameters.Length).ToArray();
    }

    /// <summary>
    /// Gives <paramref name="parameters"/> (a subset of the optimised ones) the learning rate
    /// <paramref name="factor"/> x <see cref="LearningRate"/>, like a second PyTorch parameter group whose lr is a fixed
    /// multiple of the first: schedulers change both together. Used for the CAC thresholds (gamma, beta).
    /// </summary>
    public void ScaleLearningRate(IEnumerable<Tensor> parameters, double factor)
    {
        if (!(factor >= 0) || double.IsInfinity(factor)) throw new ArgumentException($"invalid learning-rate factor {factor}");
        foreach (var p in parameters)
        {
            int i = Array.FindIndex(_parameters, q => ReferenceEquals(q, p));
            if (i < 0) throw new ArgumentException($"ScaleLearningRate: a parameter of shape {Shape.Format(p.Dims)} is not optimised by this {GetType().Name}");
            _lrScale[i] = factor;
        }
    }

    /// <summary>The learning rate used by the next <see cref="Step"/> (schedulers set it).</summary>
    public double LearningRate { get; set; }

    /// <summary>The learning rate when the first scheduler was attached (PyTorch's initial_lr); schedulers compute from it.</summary>
    public double? InitialLearningRate { get; internal set; }

    /// <summary>Number of <see cref="Step"/> calls so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>The optimised parameters, in order.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>Updates every parameter that has a gradient, outside autograd.</summary>
    public void Step()
    {
        using var _ = Autograd.NoGrad();
        StepCount++;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.Grad is not { } grad) continue;
            if (!Shape.SameAs(grad.Dims, p.Dims) || grad.DType != p.DType || grad.Device != p.Device)
                throw new InvalidOperationException($"{GetType().Name}: parameter {i} {Shape.Format(p.Dims)} {p.DType.Name()} has a gradient {Shape.Format(grad.Dims)} {grad.DType.Name()} on {grad.Device}");
            Update(p, grad, _state[i], LearningRate * _lrScale[i]);
            foreach (var state in _state[i].Values) p.Adopt(state); // state created in a step's TensorScope lives with its parameter
        }
    }

    /// <summary>Applies one update to <paramref name="param"/> given its gradient, its state (created here on first use) and its learning rate.</summary>
    protected abstract void Update(Tensor param, Tensor grad, Dictionary<string, Tensor> state, double lr);

    /// <summary>Sets every parameter's gradient to null, releasing the gradients backward created (<see cref="Tensor.ZeroGrad"/>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    /// <summary>
    /// The optimizer's state: "step_count" (Int32, shape []), "lr" (Float64, shape []) and per-parameter
    /// entries "state.{index}.{name}" (e.g. "state.0.momentum_buffer", "state.3.exp_avg"). Tensors share
    /// storage with the live state; save them (e.g. with SafeTensors) to resume.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> State()
    {
        var result = new OrderedDictionary<string, Tensor>
        {
            ["step_count"] = Tensor.Scalar(checked((int)StepCount), DType.Int32),
            ["lr"] = Tensor.Scalar(LearningRate, DType.Float64),
        };
        if (InitialLearningRate is { } initial) result["initial_lr"] = Tensor.Scalar(initial, DType.Float64);
        for (int i = 0; i < _state.Length; i++)
            foreach (var (name, t) in _state[i])
                result[$"state.{i}.{name}"] = t.Detach();
        return result;
    }

    /// <summary>
    /// Restores state saved by <see cref="State"/> from an optimizer built over the same parameters.
    /// Values are copied to each parameter's device and dtype. Throws ArgumentException naming the key
    /// on unknown keys, bad parameter indices or shape mismatches; nothing is changed on error.
    /// </summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var perParam = _parameters.Select(_ => new Dictionary<string, Tensor>()).ToArray();
        long stepCount = StepCount;
        double lr = LearningRate;
        double? initial = InitialLearningRate;
        foreach (var (key, value) in state)
        {
            switch (key)
            {
                case "step_count": stepCount = (long)ScalarOf(key, value); continue;
                case "lr": lr = ScalarOf(key, value); continue;
                case "initial_lr": initial = ScalarOf(key, value); continue;
            }
            var parts = key.Split('.', 3);
            if (parts.Length != 3 || parts[0] != "state" || !int.TryParse(parts[1], out int index) || !IsKnownState(parts[2]))
                throw new ArgumentException($"{GetType().Name}.LoadState: unexpected key \"{key}\"");
            if (index < 0 || index >= _parameters.Length)
                throw new ArgumentException($"{GetType().Name}.LoadState: key \"{key}\" names parameter {index}, but the optimizer has {_parameters.Length}");
            var p = _parameters[index];
            var expected = parts[2] == "step" ? Array.Empty<int>() : p.Shape;
            if (!Shape.SameAs(value.Dims, expected))
                throw new ArgumentException($"{GetType().Name}.LoadState: \"{key}\" has shape {Shape.Format(value.Dims)}, expected {Shape.Format(expected)}");
            Tensor copy;
            if (parts[2] == "step")
            {
                copy = Tensor.Scalar(ScalarOf(key, value), DType.Int32);
            }
            else
            {
                if (!value.DType.IsFloatingPoint())
                    throw new ArgumentException($"{GetType().Name}.LoadState: \"{key}\" must be floating point, got {value.DType.Name()}");
                copy = Tensor.Zeros(p.Shape, p.DType, p.Device);
                var moved = value.Device == p.Device ? value : value.To(p.Device);
                copy.CopyFrom(moved.DType == p.DType ? moved : moved.To(p.DType));
            }
            p.Adopt(copy);
            perParam[index][parts[2]] = copy;
        }
        for (int i = 0; i < _state.Length; i++) _state[i] = perParam[i];
        StepCount = stepCount;
        LearningRate = lr;
        InitialLearningRate = initial;
    }

    /// <summary>The per-parameter state names this optimizer keeps ("momentum_buffer", "exp_avg", ...).</summary>
    protected abstract bool IsKnownState(string name);

    private double ScalarOf(string key, Tensor value)
    {
        if (value.Numel != 1) throw new ArgumentException($"{GetType().Name}.LoadState: \"{key}\" must hold one value, got shape {Shape.Format(value.Dims)}");
        using var _ = Autograd.NoGrad();
        return value.Item();
    }
}
