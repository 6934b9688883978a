namespace Cac.Nn;

/// <summary>
/// Observes module calls on the thread it is installed on (<see cref="ForwardHooks.Install"/>): <see cref="Enter"/> before a
/// module computes, <see cref="Exit"/> after, for every module called through <see cref="Module.Forward(Tensor)"/> or
/// <see cref="OctaveModule.Forward(OctaveTensor)"/>, nested calls included. A <see cref="Madds.MaddsScope"/> is one.
/// </summary>
public interface IForwardHook
{
    /// <summary>Called before <paramref name="module"/> computes its output.</summary>
    void Enter(Module module);

    /// <summary>
    /// Called after <paramref name="module"/> computed <paramref name="output"/> from <paramref name="input"/> (a
    /// <see cref="Tensor"/>, or an <see cref="OctaveTensor"/> for an octave call); output is null when the forward threw.
    /// </summary>
    void Exit(Module module, object input, object? output);
}

/// <summary>
/// The forward hooks of the current thread, as PyTorch's global module hooks (torch.nn.modules.module.register_module_forward_hook).
/// While any is installed, modules run their layers one by one (no fused inference, see <see cref="IFusedInference"/>), so that
/// the hooks see every layer.
/// </summary>
public static class ForwardHooks
{
    // Copied on install and removal, so that a call iterates over a stable array; null when none is installed.
    [ThreadStatic] private static IForwardHook[]? t_hooks;

    /// <summary>Whether any hook is installed on this thread.</summary>
    public static bool AnyInstalled => t_hooks is not null;

    /// <summary>The hooks installed on this thread in installation order, or null when there are none.</summary>
    internal static IForwardHook[]? Installed => t_hooks;

    /// <summary>Installs <paramref name="hook"/> on this thread until the returned handle is disposed.</summary>
    public static IDisposable Install(IForwardHook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        t_hooks = [.. t_hooks ?? [], hook];
        return new Installation(hook);
    }

    /// <summary>Runs <paramref name="forward"/>(x) for <paramref name="module"/> between the hooks' Enter and Exit (Exit in reverse order).</summary>
    internal static TOut Observe<TIn, TOut>(IForwardHook[] hooks, Module module, TIn x, Func<TIn, TOut> forward)
        where TIn : class where TOut : class
    {
        foreach (var hook in hooks) hook.Enter(module);
        TOut? y = null;
        try
        {
            y = forward(x);
            return y;
        }
        finally
        {
            for (int i = hooks.Length - 1; i >= 0; i--) hooks[i].Exit(module, x, y);
        }
    }

    private sealed class Installation(IForwardHook hook) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            var hooks = (t_hooks ?? []).ToList();
            int i = hooks.FindLastIndex(h => ReferenceEquals(h, hook));
            if (i >= 0) hooks.RemoveAt(i);
            t_hooks = hooks.Count == 0 ? null : [.. hooks];
        }
    }
}
