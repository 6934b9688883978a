using System.Collections;

namespace Cac.Nn;

/// <summary>A chain of modules applied in order; children are named "0", "1", ... unless named explicitly.</summary>
public sealed class Sequential : Module, IEnumerable<Module>
{
    private readonly List<Module> _modules = [];

    /// <summary>Creates a chain of the given modules, named "0", "1", ...</summary>
    public Sequential(params Module[] modules)
    {
        foreach (var m in modules) Add(m);
    }

    /// <summary>Number of modules in the chain.</summary>
    public int Count => _modules.Count;

    /// <summary>The module at a position.</summary>
    public Module this[int index] => _modules[index];

    /// <summary>Appends a module named by its position; returns this (chainable, and enables collection initialisers).</summary>
    public Sequential Add(Module module) => Add(null, module);

    /// <summary>Appends a module under <paramref name="name"/> (its position when null); returns this.</summary>
    public Sequential Add(string? name, Module module)
    {
        RegisterModule(name ?? _modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _modules.Add(module);
        return this;
    }

    /// <inheritdoc />
    protected override Tensor ForwardCore(Tensor x)
    {
        foreach (var m in _modules) x = m.Forward(x);
        return x;
    }

    /// <inheritdoc />
    public IEnumerator<Module> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
