namespace Cac.Nn;

/// <summary>
/// A module that maps octave tensors (high- and low-frequency parts) to octave tensors. Its plain
/// <see cref="Module.Forward(Tensor)"/> treats the input as high-frequency only and requires a high-only output, so a
/// module whose input and output have no low part (an octave conv with alpha_in = alpha_out = 0) can stand in
/// wherever a <see cref="Module"/> is expected.
/// </summary>
public abstract class OctaveModule : Module
{
    /// <summary>
    /// Computes the module's output from both frequency parts: runs <see cref="ForwardCore(OctaveTensor)"/>, observed by the
    /// forward hooks installed on this thread (<see cref="ForwardHooks"/>), as <see cref="Module.Forward(Tensor)"/> does.
    /// </summary>
    public OctaveTensor Forward(OctaveTensor x) =>
        ForwardHooks.Installed is { } hooks ? ForwardHooks.Observe(hooks, this, x, ForwardCore) : ForwardCore(x);

    /// <summary>The module's own computation on both frequency parts; called by <see cref="Forward(OctaveTensor)"/>.</summary>
    protected abstract OctaveTensor ForwardCore(OctaveTensor x);

    /// <summary>
    /// Runs <paramref name="module"/> on <paramref name="x"/>: an octave module on both parts, any other module on the high
    /// part, which must then be the whole map (no low part). Lets a network mix plain and octave layers in one chain.
    /// </summary>
    public static OctaveTensor Run(Module module, OctaveTensor x)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(x);
        if (module is OctaveModule octave) return octave.Forward(x);
        if (x.Low is not null)
            throw new ArgumentException($"{module.GetType().Name} is not an octave module and takes no low-frequency part, got {x.Describe()}");
        return new OctaveTensor(module.Forward(x.High));
    }

    /// <summary>Calls <see cref="Forward(OctaveTensor)"/>.</summary>
    public OctaveTensor Call(OctaveTensor x) => Forward(x);

    /// <summary>x: (N, C, H, W), taken as a high-frequency-only input; the output must have no low-frequency part.</summary>
    protected sealed override Tensor ForwardCore(Tensor x)
    {
        var y = ForwardCore(new OctaveTensor(x));
        if (y.Low is not null)
            throw new InvalidOperationException($"{GetType().Name}: the output has a low-frequency part ({y.Describe()}); call Forward(OctaveTensor) to get both parts");
        return y.High;
    }
}
