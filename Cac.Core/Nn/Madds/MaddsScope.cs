using Cac.Nn;

namespace Cac.Madds;

/// <summary>
/// An ambient recording of multiply-adds (MAdds): while a scope is open on the current thread it is installed as a forward
/// hook (<see cref="ForwardHooks"/>), so every module call is seen, layer by layer. After each call of a layer that
/// implements <see cref="IMaddsCounted"/> it records that call's per-sample cost, computed by the layer from its own shapes
/// (and, for an adaptive layer, from what it measured in that call, such as a sharp ratio). While a layer that implements
/// <see cref="IMaddsGroup"/> runs, the costs of the layers it calls are credited to it.
/// Scopes nest (the innermost one records); a scope belongs to the thread that opened it.
/// </summary>
public sealed class MaddsScope : IDisposable, IForwardHook
{
    [ThreadStatic] private static MaddsScope? t_current;

    private readonly MaddsScope? _outer;
    private readonly IDisposable _hook;
    private readonly Dictionary<Module, double> _costs = new(ReferenceEqualityComparer.Instance);
    private readonly List<Module> _order = [];
    private Module? _group;
    private bool _disposed;

    private MaddsScope(MaddsScope? outer)
    {
        _outer = outer;
        _hook = ForwardHooks.Install(this);
    }

    /// <summary>Whether a scope is open on this thread.</summary>
    public static bool IsRecording => t_current is not null;

    /// <summary>Opens a scope on this thread; dispose it to stop recording.</summary>
    public static MaddsScope Begin()
    {
        var scope = new MaddsScope(t_current);
        t_current = scope;
        return scope;
    }

    /// <summary>The layers that were counted (or credited), in first-count order, with their summed per-sample MAdds.</summary>
    public IReadOnlyList<(Module Layer, double Madds)> Entries => _order.Select(m => (m, _costs[m])).ToList();

    /// <inheritdoc />
    void IForwardHook.Enter(Module module)
    {
        if (IsInnermost && module is IMaddsGroup && _group is null) _group = module;
    }

    /// <inheritdoc />
    void IForwardHook.Exit(Module module, object input, object? output)
    {
        if (!IsInnermost) return;
        if (ReferenceEquals(_group, module)) _group = null;
        else if (module is IMaddsCounted layer && input is Tensor x && output is Tensor y) Add(module, layer.Madds(x, y));
    }

    /// <summary>Stops recording; the enclosing scope, if any, becomes current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _hook.Dispose();
        if (ReferenceEquals(t_current, this)) t_current = _outer;
    }

    private bool IsInnermost => ReferenceEquals(t_current, this);

    // Calls add up; a cost made inside a group is credited to the group.
    private void Add(Module layer, double madds)
    {
        if (!(madds >= 0) || double.IsInfinity(madds))
            throw new ArgumentException($"MaddsScope: {layer.GetType().Name} gave an invalid cost {madds}");
        var owner = _group ?? layer;
        if (_costs.TryGetValue(owner, out var sum)) _costs[owner] = sum + madds;
        else
        {
            _costs[owner] = madds;
            _order.Add(owner);
        }
    }
}
