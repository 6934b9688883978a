namespace Cac.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and (L2) weight
/// decay, with exactly torch.optim.SGD's update: g = grad + wd * p; buf = g on the first step, else
/// momentum * buf + (1 - dampening) * g; p -= lr * (nesterov ? g + momentum * buf : buf).
/// </summary>
public sealed class Sgd : Optimizer
{
    private const string Buffer = "momentum_buffer";

    /// <summary>Creates the optimizer; Nesterov needs momentum &gt; 0 and zero dampening (as PyTorch).</summary>
    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(parameters, lr)
    {
        if (momentum < 0) throw new ArgumentException($"SGD: invalid momentum {momentum}");
        if (weightDecay < 0) throw new ArgumentException($"SGD: invalid weight decay {weightDecay}");
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("SGD: Nesterov momentum requires a momentum and zero dampening");
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
    }

    /// <summary>Momentum factor (0 for plain SGD).</summary>
    public double Momentum { get; }

    /// <summary>Dampening of the gradient in the momentum buffer.</summary>
    public double Dampening { get; }

    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether to use Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override void Update(Tensor param, Tensor grad, Dictionary<string, Tensor> state, double lr)
    {
        Storage? buffer = null;
        bool first = false;
        if (Momentum != 0)
        {
            if (!state.TryGetValue(Buffer, out var buf))
            {
                buf = Tensor.ZerosLike(param);
                state[Buffer] = buf;
                first = true;
            }
            buffer = buf.Storage;
        }
        param.Storage.Backend.SgdStep(param.Storage, grad.Storage, buffer, lr, Momentum, Dampening, WeightDecay, Nesterov, first);
    }

    /// <inheritdoc />
    protected override bool IsKnownState(string name) => name == Buffer;
}
