namespace Cac.Optim;

/// <summary>
/// Adam with exactly torch.optim.Adam's update (per-parameter step count t, bias-corrected moments):
/// g = grad + wd * p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
/// </summary>
public class Adam : Optimizer
{
    private const string ExpAvg = "exp_avg", ExpAvgSq = "exp_avg_sq", StepKey = "step";

    /// <summary>Creates the optimizer.</summary>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : this(parameters, lr, beta1, beta2, eps, weightDecay, decoupled: false)
    {
    }

    /// <summary>Shared by Adam and AdamW.</summary>
    private protected Adam(IEnumerable<Tensor> parameters, double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled)
        : base(parameters, lr)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentException($"{GetType().Name}: invalid beta1 {beta1}");
        if (beta2 is < 0 or >= 1) throw new ArgumentException($"{GetType().Name}: invalid beta2 {beta2}");
        if (eps < 0) throw new ArgumentException($"{GetType().Name}: invalid eps {eps}");
        if (weightDecay < 0) throw new ArgumentException($"{GetType().Name}: invalid weight decay {weightDecay}");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupled;
    }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the denominator.</summary>
    public double Eps { get; }

    /// <summary>Weight decay: added to the gradient (Adam) or applied to the weights directly (AdamW).</summary>
    public double WeightDecay { get; }

    /// <summary>True for AdamW: p *= 1 - lr * wd before the Adam update.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc />
    protected override void Update(Tensor param, Tensor grad, Dictionary<string, Tensor> state, double lr)
    {
        var m = GetOrAdd(state, ExpAvg, () => Tensor.ZerosLike(param));
        var v = GetOrAdd(state, ExpAvgSq, () => Tensor.ZerosLike(param));
        // The step count lives in a CPU tensor so that State() saves it.
        var stepTensor = GetOrAdd(state, StepKey, () => Tensor.Scalar(0, DType.Int32));
        long step = (long)stepTensor.Item() + 1;
        stepTensor.Backend.Fill(stepTensor.Storage, checked((int)step));
        param.Storage.Backend.AdamStep(param.Storage, grad.Storage, m.Storage, v.Storage, lr, Beta1, Beta2, Eps, WeightDecay, DecoupledWeightDecay, step);
    }

    private static Tensor GetOrAdd(Dictionary<string, Tensor> state, string key, Func<Tensor> create)
    {
        if (!state.TryGetValue(key, out var t)) state[key] = t = create();
        return t;
    }

    /// <inheritdoc />
    protected override bool IsKnownState(string name) => name is ExpAvg or ExpAvgSq or StepKey;
}

/// <summary>
/// AdamW (decoupled weight decay), as torch.optim.AdamW: p *= 1 - lr * wd, then the Adam update
/// without weight decay in the gradient.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer (weight decay 1e-2 by default, as PyTorch).</summary>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, decoupled: true)
    {
    }
}
