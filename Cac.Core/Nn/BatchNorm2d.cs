namespace Cac.Nn;

/// <summary>
/// Batch normalisation over (N, H, W) per channel, as torch.nn.BatchNorm2d (affine, tracking running
/// statistics). x: (N, C, H, W). Members are named exactly as PyTorch's: weight, bias (parameters);
/// running_mean, running_var, num_batches_tracked (buffers; the last an Int32 tensor of shape []).
/// </summary>
public sealed class BatchNorm2d : Module
{
    private long _batchesTracked;

    /// <summary>
    /// Creates the layer: weight 1, bias 0, running mean 0, running variance 1. A null
    /// <paramref name="momentum"/> averages the running statistics cumulatively (1 / num_batches_tracked).
    /// </summary>
    public BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1)
    {
        if (numFeatures <= 0) throw new ArgumentException($"BatchNorm2d: num_features must be positive, got {numFeatures}");
        if (eps <= 0) throw new ArgumentException($"BatchNorm2d: eps must be positive, got {eps}");
        if (momentum is < 0 or > 1) throw new ArgumentException($"BatchNorm2d: momentum must lie in [0, 1], got {momentum}");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        Weight = RegisterParameter("weight", Tensor.Ones([numFeatures]));
        Bias = RegisterParameter("bias", Tensor.Zeros([numFeatures]));
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([numFeatures]));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones([numFeatures]));
        NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros([], DType.Int32));
    }

    /// <summary>Channels (C).</summary>
    public int NumFeatures { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public double Eps { get; }

    /// <summary>Running-statistics update factor; null for a cumulative average.</summary>
    public double? Momentum
    {
        get => _momentum;
        set => _momentum = value is < 0 or > 1 ? throw new ArgumentException($"BatchNorm2d: momentum must lie in [0, 1], got {value}") : value;
    }

    private double? _momentum;

    /// <summary>
    /// As torch's reset_running_stats: running mean 0, running variance 1, num_batches_tracked 0 (with a null
    /// <see cref="Momentum"/> the next training-mode batches are then averaged cumulatively from scratch).
    /// </summary>
    public void ResetRunningStats()
    {
        Init.Constant(RunningMean, 0);
        Init.Constant(RunningVar, 1);
        _batchesTracked = 0;
        Init.Constant(NumBatchesTracked, 0);
    }

    /// <summary>Scale (gamma): (C).</summary>
    public Tensor Weight { get; }

    /// <summary>Shift (beta): (C).</summary>
    public Tensor Bias { get; }

    /// <summary>Running mean: (C).</summary>
    public Tensor RunningMean { get; }

    /// <summary>Running (unbiased) variance: (C).</summary>
    public Tensor RunningVar { get; }

    /// <summary>Training forward passes seen: Int32, shape [].</summary>
    public Tensor NumBatchesTracked { get; }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x) => Normalize(x, relu: false);

    /// <summary>max(0, Forward(x)): the batch norm and the ReLU after it as one fused op (one pass fewer each way in training).</summary>
    public Tensor ForwardRelu(Tensor x) => Normalize(x, relu: true);

    private Tensor Normalize(Tensor x, bool relu)
    {
        double momentum = Momentum ?? 0.0;
        if (Training)
        {
            // The counter is mirrored on the host so that no device read is needed per step.
            _batchesTracked++;
            Init.Constant(NumBatchesTracked, _batchesTracked);
            if (Momentum is null) momentum = 1.0 / _batchesTracked;
        }
        return Ops.BatchNorm2d(x, Weight, Bias, RunningMean, RunningVar, Training, momentum, Eps, relu);
    }

    /// <inheritdoc />
    protected override void OnStateLoaded() => _batchesTracked = (long)NumBatchesTracked.Item();

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={Repr.Float(Eps)}, momentum={(Momentum is { } m ? Repr.Float(m) : "None")}, affine=True, track_running_stats=True";
}
