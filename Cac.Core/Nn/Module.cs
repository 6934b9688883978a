using System.Text;

namespace Cac.Nn;

/// <summary>
/// Base class of every layer and model, as torch.nn.Module. A module owns named parameters (trainable
/// leaves), named buffers (state such as running statistics) and named child modules, all kept in
/// registration order so that names and state dicts map one-to-one onto PyTorch's
/// ("layer1.0.conv1.weight").
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Value)> _parameters = [];
    private readonly List<(string Name, Tensor Value, bool Persistent)> _buffers = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>Whether the module is in training mode (the default) or evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>
    /// Computes the module's output: the entry every caller uses, as PyTorch's <c>module(x)</c>. It runs
    /// <see cref="ForwardCore"/> (the module's own forward), observed by the forward hooks installed on this thread
    /// (<see cref="ForwardHooks"/>, such as an open <see cref="Madds.MaddsScope"/>); with no hook, no autograd graph and a
    /// module whose fused inference plan can run (<see cref="IFusedInference"/>), it runs that plan instead.
    /// </summary>
    public Tensor Forward(Tensor x)
    {
        if (ForwardHooks.Installed is { } hooks) return ForwardHooks.Observe(hooks, this, x, ForwardCore);
        if (this is IFusedInference fused && !Autograd.IsEnabled && fused.CanFuse) return fused.FusedForward(x);
        return ForwardCore(x);
    }

    /// <summary>The module's own computation, layer by layer (PyTorch's <c>forward</c>); called by <see cref="Forward(Tensor)"/>.</summary>
    protected abstract Tensor ForwardCore(Tensor x);

    /// <summary>Calls <see cref="Forward(Tensor)"/>: <c>model.Call(x)</c> reads like PyTorch's <c>model(x)</c>.</summary>
    public Tensor Call(Tensor x) => Forward(x);

    /// <summary>Registers a child module under <paramref name="name"/> and returns it.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckNewName(name);
        _children.Add((name, module));
        return module;
    }

    /// <summary>Registers a trainable parameter (sets RequiresGrad) and returns it.</summary>
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckNewName(name);
        if (!value.DType.IsFloatingPoint())
            throw new ArgumentException($"parameter '{name}' must be floating point, got {value.DType.Name()}");
        value.RequiresGrad = true;
        _parameters.Add((name, value));
        return value;
    }

    /// <summary>
    /// Registers a buffer (state that is not trained, such as running statistics) and returns it.
    /// Non-persistent buffers are left out of <see cref="StateDict"/>.
    /// </summary>
    protected Tensor RegisterBuffer(string name, Tensor value, bool persistent = true)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckNewName(name);
        _buffers.Add((name, value, persistent));
        return value;
    }

    private void CheckNewName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: invalid member name '{name}' (non-empty, no '.')");
        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _children.Any(c => c.Name == name))
            throw new ArgumentException($"{GetType().Name}: a parameter, buffer or module named '{name}' is already registered");
    }

    /// <summary>Direct children, in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    /// <summary>This module (named "") and every descendant, depth first, with dotted names. Shared modules appear once.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        // An iterator, so every enumeration starts with an empty set (a set made once would leave a second pass empty).
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var item in Walk("", this, seen)) yield return item;

        static IEnumerable<(string, Module)> Walk(string prefix, Module m, HashSet<Module> seen)
        {
            if (!seen.Add(m)) yield break;
            yield return (prefix, m);
            foreach (var (name, child) in m._children)
                foreach (var item in Walk(Join(prefix, name), child, seen))
                    yield return item;
        }
    }

    /// <summary>Every parameter, recursively, in registration order, with dotted names. Shared tensors appear once.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, m) in NamedModules())
            foreach (var (name, p) in m._parameters)
                if (seen.Add(p)) yield return (Join(prefix, name), p);
    }

    /// <summary>Every parameter, recursively (what an optimizer takes).</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    /// <summary>Every buffer, recursively, with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedBuffers()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, m) in NamedModules())
            foreach (var (name, b, _) in m._buffers)
                if (seen.Add(b)) yield return (Join(prefix, name), b);
    }

    /// <summary>Sets training mode on this module and all descendants; returns this.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = mode;
        return this;
    }

    /// <summary>Sets evaluation mode (Train(false)); returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears the gradient of every parameter (set to null, as PyTorch's zero_grad(set_to_none=True); see <see cref="Tensor.ZeroGrad"/>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>Total number of parameter elements (shared parameters counted once).</summary>
    public long ParameterCount() => Parameters().Sum(p => p.Numel);

    /// <summary>
    /// Parameters and persistent buffers by dotted name, ordered as PyTorch's state_dict: per module its
    /// parameters, then its buffers, then its children. Values are detached tensors sharing storage.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var result = new OrderedDictionary<string, Tensor>();
        AddState("", result);
        return result;
    }

    private void AddState(string prefix, OrderedDictionary<string, Tensor> result)
    {
        foreach (var (name, p) in _parameters) result[Join(prefix, name)] = p.Detach();
        foreach (var (name, b, persistent) in _buffers)
            if (persistent) result[Join(prefix, name)] = b.Detach();
        foreach (var (name, child) in _children) child.AddState(Join(prefix, name), result);
    }

    /// <summary>
    /// Copies values from <paramref name="state"/> into the parameters and buffers (floating-point values
    /// are converted to the module's dtype, and moved to its device). Nothing is copied when there is an
    /// error: shape or dtype-kind mismatches always throw; missing and unexpected keys throw when
    /// <paramref name="strict"/>. The message lists every problem, naming keys and both shapes.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var targets = new OrderedDictionary<string, Tensor>();
        CollectTargets("", targets);
        var errors = new List<string>();
        if (strict)
        {
            var missing = targets.Keys.Where(k => !state.ContainsKey(k)).ToList();
            var unexpected = state.Keys.Where(k => !targets.ContainsKey(k)).ToList();
            if (missing.Count > 0) errors.Add("Missing key(s) in state_dict: " + string.Join(", ", missing.Select(k => $"\"{k}\"")) + ".");
            if (unexpected.Count > 0) errors.Add("Unexpected key(s) in state_dict: " + string.Join(", ", unexpected.Select(k => $"\"{k}\"")) + ".");
        }
        foreach (var (key, target) in targets)
        {
            if (!state.TryGetValue(key, out var source)) continue;
            if (!Shape.SameAs(source.Dims, target.Dims))
                errors.Add($"size mismatch for {key}: copying a param with shape {Shape.Format(source.Dims)} from checkpoint, the shape in current model is {Shape.Format(target.Dims)}.");
            else if (source.DType.IsFloatingPoint() != target.DType.IsFloatingPoint())
                errors.Add($"dtype mismatch for {key}: copying a {source.DType.Name()} tensor from checkpoint into a {target.DType.Name()} tensor.");
        }
        if (errors.Count > 0)
            throw new ArgumentException($"Error(s) in loading state_dict for {GetType().Name}:\n\t" + string.Join("\n\t", errors));

        using var _ = Autograd.NoGrad();
        foreach (var (key, target) in targets)
        {
            if (!state.TryGetValue(key, out var source)) continue;
            var value = source.Device == target.Device ? source : source.To(target.Device);
            target.CopyFrom(value.DType == target.DType ? value : value.To(target.DType));
        }
        foreach (var (_, m) in NamedModules()) m.OnStateLoaded();
    }

    /// <summary>Called after <see cref="LoadStateDict"/> has copied new values in (modules that cache state on the host resynchronise here).</summary>
    protected virtual void OnStateLoaded()
    {
    }

    private void CollectTargets(string prefix, OrderedDictionary<string, Tensor> result)
    {
        foreach (var (name, p) in _parameters) result[Join(prefix, name)] = p;
        foreach (var (name, b, persistent) in _buffers)
            if (persistent) result[Join(prefix, name)] = b;
        foreach (var (name, child) in _children) child.CollectTargets(Join(prefix, name), result);
    }

    /// <summary>
    /// Converts every floating-point parameter and buffer to <paramref name="dtype"/> in place (the tensor
    /// objects stay the same, so fields such as Weight remain valid); integer buffers are kept. Gradients
    /// are dropped. Convert before creating an optimizer. Returns this.
    /// </summary>
    public Module To(DType dtype)
    {
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"modules convert to floating-point dtypes only, not {dtype.Name()}");
        foreach (var t in AllTensors())
        {
            if (!t.DType.IsFloatingPoint() || t.DType == dtype) continue;
            var converted = t.Backend.Allocate(dtype, t.Numel);
            t.Backend.Cast(t.Storage, converted);
            t.ReplaceStorage(converted);
        }
        return this;
    }

    /// <summary>Moves every parameter and buffer to <paramref name="device"/> in place. Move before creating an optimizer. Returns this.</summary>
    public Module To(Device device)
    {
        foreach (var t in AllTensors())
            if (t.Device != device) t.ReplaceStorage(t.To(device).Storage);
        return this;
    }

    /// <summary>Converts to float64 (for gradient checks); see <see cref="To(DType)"/>.</summary>
    public Module ToDouble() => To(DType.Float64);

    private IEnumerable<Tensor> AllTensors()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (_, m) in NamedModules())
        {
            foreach (var (_, p) in m._parameters) if (seen.Add(p)) yield return p;
            foreach (var (_, b, _) in m._buffers) if (seen.Add(b)) yield return b;
        }
    }

    /// <summary>The text between the parentheses of this module's line in <see cref="ToString"/> (PyTorch's extra_repr).</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>A readable tree like PyTorch's print(model).</summary>
    public override string ToString()
    {
        var extra = ExtraRepr();
        if (_children.Count == 0) return $"{GetType().Name}({extra})";
        var sb = new StringBuilder();
        sb.Append(GetType().Name).Append("(\n");
        if (extra.Length > 0) sb.Append(Indent(extra)).Append('\n');
        foreach (var (name, child) in _children)
            sb.Append("  (").Append(name).Append("): ").Append(Indent(child.ToString()).TrimStart()).Append('\n');
        return sb.Append(')').ToString();

        static string Indent(string s) => string.Join("\n", s.Split('\n').Select(line => "  " + line));
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
