namespace Cac;

/// <summary>
/// Deterministic lifetimes for the temporaries of a unit of work (a training step, an evaluation batch), as
/// TorchSharp's dispose scopes: every storage allocated on this thread while the scope is the innermost one belongs to
/// it, and <see cref="Dispose"/> releases them all, so their memory goes straight back to the backend's pool for the
/// next step without waiting for the garbage collector.
/// <code>
/// foreach (var batch in loader.Epoch(epoch))
/// {
///     using var step = TensorScope.Begin();
///     var loss = Ops.CrossEntropy(model.Forward(batch.Images), batch.Labels);
///     optimizer.ZeroGrad();
///     loss.Backward();
///     optimizer.Step();
///     lossSum += loss.Item();     // read what you need before the scope ends
/// }
/// </code>
/// What outlives the scope:
/// <list type="bullet">
/// <item>storages allocated before it began (parameters, module buffers, the batch) or on another thread;</item>
/// <item>a leaf's gradient and an optimizer's state: they live as long as the tensor they belong to (they join that
/// tensor's scope, or none), so parameters keep their <see cref="Tensor.Grad"/> and momentum across steps;</item>
/// <item>anything moved out with <see cref="Tensor.DetachFromScope"/> (then the garbage collector, or a later
/// <see cref="Storage.Dispose"/>, frees it) or <see cref="Tensor.MoveToOuterScope"/>.</item>
/// </list>
/// Using a released tensor throws <see cref="ObjectDisposedException"/>: a lifetime mistake is an error, never a wrong
/// number. Scopes nest and must end innermost first, on the thread that began them. A tensor created inside a scope
/// belongs to that thread's work: detach it before handing it to another thread that may outlive the scope.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _innermost;

    private readonly TensorScope? _outer;
    private readonly Thread _thread;
    private List<Storage>? _owned = [];

    private TensorScope(TensorScope? outer)
    {
        _outer = outer;
        _thread = Thread.CurrentThread;
    }

    /// <summary>Opens a scope on this thread; it becomes the innermost one until disposed.</summary>
    public static TensorScope Begin() => _innermost = new TensorScope(_innermost);

    /// <summary>The innermost open scope of this thread, or null.</summary>
    public static TensorScope? Current => _innermost;

    /// <summary>Storages this scope will release (including any moved out since; those are skipped).</summary>
    public int Count => _owned?.Count ?? 0;

    /// <summary>Called by every new storage: it joins this thread's innermost scope, if any.</summary>
    internal static TensorScope? Enlist(Storage storage)
    {
        var scope = _innermost;
        scope?._owned!.Add(storage);
        return scope;
    }

    /// <summary>Moves <paramref name="storage"/> to <paramref name="scope"/> (null: to no scope, the garbage collector's).</summary>
    internal static void MoveTo(Storage storage, TensorScope? scope)
    {
        if (storage.Scope == scope) return;
        if (scope is not null)
        {
            ObjectDisposedException.ThrowIf(scope._owned is null, scope);
            scope._owned.Add(storage);
        }
        storage.Scope = scope;
    }

    /// <summary>Releases every storage that still belongs to this scope and closes it.</summary>
    public void Dispose()
    {
        if (_owned is null) return;
        if (Thread.CurrentThread != _thread)
            throw new InvalidOperationException("a TensorScope must be disposed on the thread that began it");
        if (_innermost != this)
            throw new InvalidOperationException("TensorScopes must be disposed innermost first: an inner scope of this one is still open");
        var owned = _owned;
        _owned = null;
        _innermost = _outer;
        foreach (var storage in owned)
            if (storage.Scope == this) storage.Dispose();
    }

    /// <summary>The scope around this one, or null.</summary>
    internal TensorScope? Outer => _outer;
}
