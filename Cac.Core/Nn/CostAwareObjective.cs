using Cac.Madds;

namespace Cac.Nn;

/// <summary>
/// One content-aware layer of a <see cref="CostAwareObjective"/>: its dotted module name, the layer, and its output size
/// for the objective's input shape.
/// </summary>
public sealed record CacLayerCost(string Name, ContentAwareConv2d Layer, int OutH, int OutW)
{
    /// <summary>Omega_conv = Cin * Cout * k * k * Ho * Wo / groups: the per-sample MAdds of the same layer as a standard conv.</summary>
    public long Omega => MaddsFormulas.Conv2d(Layer.InChannels, Layer.OutChannels, Layer.KernelSize, OutH, OutW, Layer.Groups);

    /// <summary>(rho + (1 - rho)/k^2) * Omega + 13 * Ho * Wo: the per-sample MAdds at sharp ratio <paramref name="sharpRatio"/>.</summary>
    public double Madds(double sharpRatio) => MaddsFormulas.ContentAware(Omega, sharpRatio, Layer.KernelSize, OutH, OutW);
}

/// <summary>
/// The cost-aware training objective of content-aware networks (docs/design.md section 2, items 8 and 9):
/// <code>
/// c(M)     = constants + sum over CAC layers of (rho_l + (1 - rho_l)/k^2) * Omega_l + 13 * Ho_l * Wo_l
/// c_base   = constants + sum over CAC layers of Omega_l          (the same network with standard convs)
/// L        = loss * (c(M) / c_base)^lambda
/// </code>
/// rho_l is <see cref="ContentAwareConv2d.SharpRatio"/> of the layer's last forward, differentiable in its gamma and beta
/// through the straight-through gate, so L pushes the thresholds towards cheaper (smoother) masks. The constants are the
/// MAdds of every other layer (1 x 1 convs, linear; batch norm is not counted), taken from one MAdds count of the model
/// on a dummy input of the given shape when the objective is created; that count also fixes each CAC layer's output size.
/// <para>
/// Use: create the objective once, before training (the count runs a forward pass, which overwrites the layers' last
/// masks); then per batch run the model's forward and pass the data loss to <see cref="Loss"/>. Each CAC layer must run
/// exactly once per forward on inputs of the shape given here (<see cref="CostRatio"/> checks the output sizes).
/// </para>
/// </summary>
public sealed class CostAwareObjective
{
    /// <summary>The paper's exponent (the official configuration uses 0.2).</summary>
    public const double DefaultLambda = 0.3;

    private CostAwareObjective(Module model, double lambda, IReadOnlyList<CacLayerCost> layers, double constantMadds)
    {
        Model = model;
        Lambda = lambda;
        Layers = layers;
        ConstantMadds = constantMadds;
        BaselineMadds = constantMadds + layers.Sum(l => (double)l.Omega);
    }

    /// <summary>The model whose cost is measured.</summary>
    public Module Model { get; }

    /// <summary>The exponent lambda (0: L = loss); may change between steps (a <see cref="LambdaRamp"/>).</summary>
    public double Lambda
    {
        get => _lambda;
        set => _lambda = value >= 0 && !double.IsInfinity(value) ? value
            : throw new ArgumentException($"CostAwareObjective: lambda must be a finite number >= 0, got {value}");
    }

    private double _lambda;

    /// <summary>The content-aware layers in module order.</summary>
    public IReadOnlyList<CacLayerCost> Layers { get; }

    /// <summary>Per-sample MAdds of every layer that is not content-aware.</summary>
    public double ConstantMadds { get; }

    /// <summary>c_base: the per-sample MAdds of the same network with standard convolutions.</summary>
    public double BaselineMadds { get; }

    /// <summary>Whether <paramref name="model"/> contains a <see cref="ContentAwareConv2d"/>.</summary>
    public static bool HasContentAwareLayers(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.NamedModules().Any(m => m.Module is ContentAwareConv2d);
    }

    /// <summary>
    /// Builds the objective for <paramref name="model"/> fed inputs of <paramref name="inputShape"/> (N, C, H, W); N does not
    /// matter (costs are per sample). Runs one forward pass on an N(0, 1) input in evaluation mode, without gradients.
    /// </summary>
    /// <exception cref="ArgumentException">lambda is negative or not finite, the shape is invalid, or the model has no content-aware layer.</exception>
    public static CostAwareObjective For(Module model, int[] inputShape, double lambda = DefaultLambda)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (!(lambda >= 0) || double.IsInfinity(lambda))
            throw new ArgumentException($"CostAwareObjective: lambda must be a finite number >= 0, got {lambda}");
        if (inputShape.Length != 4 || inputShape.Any(d => d <= 0))
            throw new ArgumentException($"CostAwareObjective: the input shape must be (N, C, H, W) with positive sizes, got {Shape.Format(inputShape)}");
        var cacs = model.NamedModules().Where(m => m.Module is ContentAwareConv2d)
            .Select(m => (m.Name, Layer: (ContentAwareConv2d)m.Module)).ToList();
        if (cacs.Count == 0)
            throw new ArgumentException($"CostAwareObjective: {model.GetType().Name} has no content-aware layer; the cost-aware objective needs at least one");

        var masksBefore = cacs.Select(c => c.Layer.LastMask).ToList();
        double total = CountTotal(model, inputShape);
        var layers = new List<CacLayerCost>(cacs.Count);
        double cacMadds = 0;
        for (int i = 0; i < cacs.Count; i++)
        {
            var (name, layer) = cacs[i];
            var mask = layer.LastMask;
            if (mask is null || ReferenceEquals(mask, masksBefore[i]))
                throw new ArgumentException($"CostAwareObjective: content-aware layer '{name}' did not run in a forward pass of {model.GetType().Name}");
            var cost = new CacLayerCost(name, layer, mask.Dims[2], mask.Dims[3]);
            cacMadds += cost.Madds(layer.LastSharpRatio);
            layers.Add(cost);
        }
        // The count reported every CAC layer at the sharp ratio it measured; what remains are the constant layers.
        double constants = Math.Max(0, total - cacMadds);
        return new CostAwareObjective(model, lambda, layers, constants);
    }

    /// <summary>Per-sample MAdds with each CAC layer at the sharp ratio <paramref name="sharpRatio"/> gives it.</summary>
    public double Madds(Func<ContentAwareConv2d, double> sharpRatio)
    {
        ArgumentNullException.ThrowIfNull(sharpRatio);
        return ConstantMadds + Layers.Sum(l => l.Madds(sharpRatio(l.Layer)));
    }

    /// <summary>Per-sample MAdds with each CAC layer at its <see cref="ContentAwareConv2d.AccumulatedSharpRatio"/> (for example over a test pass).</summary>
    /// <exception cref="InvalidOperationException">A layer has counted nothing since its last reset.</exception>
    public double MaddsAtAccumulatedRatios() => Madds(layer => layer.PositionCount > 0
        ? layer.AccumulatedSharpRatio
        : throw new InvalidOperationException($"CostAwareObjective: layer '{NameOf(layer)}' has no accumulated sharp ratio (no forward since its last reset)"));

    /// <summary>
    /// c(M) / c_base as a scalar tensor, differentiable in every CAC layer's gamma and beta through
    /// <see cref="ContentAwareConv2d.SharpRatio"/> of its last forward.
    /// </summary>
    /// <exception cref="InvalidOperationException">A layer has not run, or ran on an input of another size than the objective was built for.</exception>
    public Tensor CostRatio()
    {
        // c / c_base = sum_l a_l * rho_l + b, with a_l = Omega_l (1 - 1/k^2) / c_base and
        // b = (constants + sum_l (Omega_l / k^2 + 13 Ho Wo)) / c_base: every term stays O(1) in float32.
        double offset = ConstantMadds;
        Tensor? sum = null;
        foreach (var l in Layers)
        {
            var mask = l.Layer.LastMask;
            if (mask is null || mask.Dims[2] != l.OutH || mask.Dims[3] != l.OutW)
                throw new InvalidOperationException(
                    $"CostAwareObjective: layer '{l.Name}' last produced {(mask is null ? "nothing" : $"a {mask.Dims[2]} x {mask.Dims[3]} output")}, " +
                    $"but the objective was built for {l.OutH} x {l.OutW}; build it for the training input shape");
            double k2 = (double)l.Layer.KernelSize * l.Layer.KernelSize;
            offset += l.Omega / k2 + 13.0 * l.OutH * l.OutW;
            var term = Ops.Affine(l.Layer.SharpRatio(), l.Omega * (1 - 1 / k2) / BaselineMadds, 0);
            sum = sum is null ? term : Ops.Add(sum, term);
        }
        return Ops.Affine(sum!, 1, offset / BaselineMadds);
    }

    /// <summary>
    /// L = <paramref name="loss"/> * (c(M) / c_base)^lambda for a scalar data loss computed from the model's last forward;
    /// the loss itself when lambda = 0.
    /// </summary>
    public Tensor Loss(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (loss.Numel != 1)
            throw new ArgumentException($"CostAwareObjective.Loss: the loss must be a scalar, got shape {Shape.Format(loss.Dims)}");
        if (Lambda == 0) return loss;
        var factor = Ops.Exp(Ops.Affine(Ops.Log(CostRatio()), Lambda, 0));     // (c / c_base)^lambda
        return Ops.Mul(loss, factor);
    }

    private string NameOf(ContentAwareConv2d layer) => Layers.FirstOrDefault(l => ReferenceEquals(l.Layer, layer))?.Name ?? "?";

    // The exact (unrounded) per-sample MAdds of one evaluation-mode forward pass; training flags are restored.
    private static double CountTotal(Module model, int[] inputShape)
    {
        var reference = model.Parameters().FirstOrDefault();
        var input = Tensor.RandN(inputShape, new Generator(0), dtype: reference?.DType ?? DType.Float32, device: reference?.Device ?? Device.Cpu);
        var modules = model.NamedModules().Select(m => m.Module).ToList();
        var modes = modules.Select(m => m.Training).ToList();
        try
        {
            model.Eval();
            using var noGrad = Autograd.NoGrad();
            using var scope = MaddsScope.Begin();
            model.Forward(input);
            return scope.Entries.Sum(e => e.Madds);
        }
        finally
        {
            for (int i = 0; i < modules.Count; i++) modules[i].Train(modes[i]);
        }
    }
}

/// <summary>
/// A schedule of the cost-aware objective's lambda over training steps: 0 for the first <see cref="WarmupSteps"/> steps
/// (the weights learn with every window sharp, the thresholds see no cost pressure), then a linear rise to
/// <see cref="Target"/> over <see cref="RampSteps"/> steps, then <see cref="Target"/>. Step s (0-based) of the ramp gets
/// Target * (s - warmup + 1) / ramp, so the last ramp step reaches the target.
/// </summary>
public sealed record LambdaRamp(double Target, long WarmupSteps, long RampSteps)
{
    /// <summary>Lambda at 0-based optimizer step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < WarmupSteps) return 0;
        if (RampSteps <= 0) return Target;
        return Target * Math.Min(1.0, (double)(step - WarmupSteps + 1) / RampSteps);
    }

    /// <summary>The ramp for a run of <paramref name="totalSteps"/> steps with warm-up and ramp given as fractions of it (each rounded to whole steps).</summary>
    public static LambdaRamp FromFractions(double target, long totalSteps, double warmupFraction, double rampFraction)
    {
        if (!(warmupFraction >= 0 && rampFraction >= 0 && warmupFraction + rampFraction <= 1))
            throw new ArgumentException($"LambdaRamp: warm-up {warmupFraction} and ramp {rampFraction} must be >= 0 fractions of the run with a sum <= 1");
        return new LambdaRamp(target, (long)Math.Round(warmupFraction * totalSteps), (long)Math.Round(rampFraction * totalSteps));
    }
}
