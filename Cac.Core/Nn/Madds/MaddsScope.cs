using Cac.Nn;

namespace Cac.Madds;

/// <summary>
/// An ambient recording of multiply-adds (MAdds). While a scope is open on the current thread, layers report
/// the cost of each forward pass with <see cref="Report"/>; outside a scope reporting costs one null check.
/// <para>
/// Protocol for a layer (how <see cref="Conv2d"/>, <see cref="Linear"/> and a content-aware conv plug in): at the
/// end of Forward, <c>if (MaddsScope.IsRecording) MaddsScope.Report(this, cost)</c>, where cost is the
/// per-sample MAdds of that call computed from its own shapes (and, for an adaptive layer, from what it
/// measured in that call, such as a sharp ratio); see <see cref="MaddsFormulas"/>. A composite layer that should
/// appear as one row (an octave conv made of four path convs) wraps its Forward in
/// <c>using var _ = MaddsScope.AttributeTo(this);</c>: every report made inside is credited to it.
/// </para>
/// Scopes nest (the innermost one records); a scope belongs to the thread that opened it.
/// </summary>
public sealed class MaddsScope : IDisposable
{
    [ThreadStatic] private static MaddsScope? t_current;

    private readonly MaddsScope? _outer;
    private readonly Dictionary<Module, double> _costs = new(ReferenceEqualityComparer.Instance);
    private readonly List<Module> _order = [];
    private Module? _owner;
    private bool _disposed;

    private MaddsScope(MaddsScope? outer) => _outer = outer;

    /// <summary>Whether a scope is open on this thread (layers skip computing their cost otherwise).</summary>
    public static bool IsRecording => t_current is not null;

    /// <summary>Opens a scope on this thread; dispose it to stop recording.</summary>
    public static MaddsScope Begin()
    {
        var scope = new MaddsScope(t_current);
        t_current = scope;
        return scope;
    }

    /// <summary>
    /// Records <paramref name="madds"/> per-sample multiply-adds for one forward call of <paramref name="layer"/>
    /// (credited to the attribution owner if one is active). Calls add up. No-op outside a scope.
    /// </summary>
    public static void Report(Module layer, double madds)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var scope = t_current;
        if (scope is null) return;
        if (!(madds >= 0) || double.IsInfinity(madds))
            throw new ArgumentException($"MaddsScope.Report: {layer.GetType().Name} reported an invalid cost {madds}");
        scope.Add(scope._owner ?? layer, madds);
    }

    /// <summary>
    /// Credits every report made until the returned handle is disposed to <paramref name="layer"/>. The outermost
    /// attribution wins (an octave conv inside another composite is credited to the outer one). No-op outside a scope.
    /// </summary>
    public static Attribution AttributeTo(Module layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var scope = t_current;
        if (scope is null || scope._owner is not null) return default;
        scope._owner = layer;
        return new Attribution(scope);
    }

    /// <summary>The layers that reported (or were credited), in first-report order, with their summed per-sample MAdds.</summary>
    public IReadOnlyList<(Module Layer, double Madds)> Entries => _order.Select(m => (m, _costs[m])).ToList();

    /// <summary>Stops recording; the enclosing scope, if any, becomes current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (ReferenceEquals(t_current, this)) t_current = _outer;
    }

    private void Add(Module layer, double madds)
    {
        if (_costs.TryGetValue(layer, out var sum)) _costs[layer] = sum + madds;
        else
        {
            _costs[layer] = madds;
            _order.Add(layer);
        }
    }

    /// <summary>Ends an <see cref="AttributeTo"/> region when disposed.</summary>
    public readonly struct Attribution : IDisposable
    {
        private readonly MaddsScope? _scope;

        internal Attribution(MaddsScope scope) => _scope = scope;

        /// <summary>Ends the region: later reports are credited to their own layers again.</summary>
        public void Dispose()
        {
            if (_scope is not null) _scope._owner = null;
        }
    }
}
