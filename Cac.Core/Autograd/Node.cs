namespace Cac;

/// <summary>
/// One recorded op in the autograd graph: its inputs and the function that maps the gradient of its
/// output to the gradients of its inputs (null where an input needs none).
/// </summary>
internal sealed class Node(string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
{
    /// <summary>Op name, for error messages.</summary>
    public string Name { get; } = name;

    /// <summary>The op's tensor inputs, in the order the backward function returns their gradients.</summary>
    public Tensor[] Inputs { get; } = inputs;

    /// <summary>dL/dOutput -> dL/dInputs.</summary>
    public Func<Tensor, Tensor?[]> Backward { get; } = backward;
}
