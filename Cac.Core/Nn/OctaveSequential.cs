using System.Collections;

namespace Cac.Nn;

/// <summary>A chain of octave modules applied in order; children are named "0", "1", ... as in <see cref="Sequential"/>.</summary>
public sealed class OctaveSequential : OctaveModule, IEnumerable<OctaveModule>
{
    private readonly List<OctaveModule> _modules = [];

    /// <summary>Creates a chain of the given modules, named "0", "1", ...</summary>
    public OctaveSequential(params OctaveModule[] modules)
    {
        foreach (var m in modules) Add(m);
    }

    /// <summary>Number of modules in the chain.</summary>
    public int Count => _modules.Count;

    /// <summary>The module at a position.</summary>
    public OctaveModule this[int index] => _modules[index];

    /// <summary>Appends a module named by its position; returns this (enables collection initialisers).</summary>
    public OctaveSequential Add(OctaveModule module)
    {
        RegisterModule(_modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _modules.Add(module);
        return this;
    }

    /// <inheritdoc />
    protected override OctaveTensor ForwardCore(OctaveTensor x)
    {
        foreach (var m in _modules) x = m.Forward(x);
        return x;
    }

    /// <inheritdoc />
    public IEnumerator<OctaveModule> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
