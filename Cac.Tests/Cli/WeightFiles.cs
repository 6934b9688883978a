using Cac.Models;
using Cac.Nn;
using Cac.Serialization;

namespace Cac.Tests.Cli;

/// <summary>
/// Weight files for the CLI tests: a seeded registry model saved as safetensors, and the independent side of a check
/// (the same file loaded into a fresh model of another seed, in evaluation mode).
/// </summary>
internal static class WeightFiles
{
    /// <summary>
    /// Creates registry model <paramref name="model"/> (<paramref name="inChannels"/> in, <paramref name="classes"/> out)
    /// from <c>new Generator(seed)</c>, applies <paramref name="edit"/>, saves its state dict to <paramref name="path"/> and
    /// returns the model.
    /// </summary>
    public static Module Save(string path, string model, int inChannels, int classes, int seed, Action<Module>? edit = null)
    {
        var net = ModelRegistry.Create(model, inChannels, classes, new Generator(seed));
        edit?.Invoke(net);
        SafeTensors.Save(path, net.StateDict());
        return net;
    }

    /// <summary>
    /// A fresh registry model built from <c>new Generator(seed)</c> (a seed other than the file's, so the model's own
    /// initialisation cannot pass for the weights) with <paramref name="weights"/> loaded strictly, in evaluation mode.
    /// </summary>
    public static Module LoadForEval(string weights, string model, int inChannels, int classes, int seed)
    {
        var net = ModelRegistry.Create(model, inChannels, classes, new Generator(seed));
        net.LoadStateDict(SafeTensors.Load(weights));
        net.Eval();
        return net;
    }
}
