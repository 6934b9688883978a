using Cac.Nn;

namespace Cac.Adversarial;

/// <summary>The attacks by name, as `cac attack --method` and `cac train --adversarial` take them.</summary>
public enum AttackMethod
{
    /// <summary><see cref="Adversarial.Fgsm"/>: one step of size eps.</summary>
    Fgsm,

    /// <summary><see cref="Adversarial.MiFgsm"/>: momentum iterative FGSM.</summary>
    MiFgsm,

    /// <summary><see cref="Adversarial.Pgd"/>: projected gradient descent.</summary>
    Pgd,
}

/// <summary>Runs an <see cref="AttackMethod"/> and names it.</summary>
public static class Attacks
{
    /// <summary>The command-line names, in <see cref="AttackMethod"/> order: fgsm, mifgsm, pgd.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fgsm", "mifgsm", "pgd"];

    /// <summary>The method a command-line name stands for; an unknown name throws, listing the known ones.</summary>
    public static AttackMethod Parse(string name)
    {
        int index = Names.ToList().IndexOf(name.ToLowerInvariant());
        if (index < 0) throw new ArgumentException($"unknown attack '{name}' (known: {string.Join(", ", Names)})");
        return (AttackMethod)index;
    }

    /// <summary>The command-line name of <paramref name="method"/>.</summary>
    public static string Name(AttackMethod method) => Names[(int)method];

    /// <summary>
    /// Adversarial images by <paramref name="method"/> (see <see cref="Fgsm.Attack"/>, <see cref="MiFgsm.Attack"/>,
    /// <see cref="Pgd.Attack"/>): images (N, C, H, W) in [0, 1], labels Int32 (N) -> (N, C, H, W).
    /// </summary>
    public static Tensor Run(AttackMethod method, Module model, Tensor images, Tensor labels, AttackOptions options, Generator? generator = null) =>
        method switch
        {
            AttackMethod.Fgsm => Fgsm.Attack(model, images, labels, options),
            AttackMethod.MiFgsm => MiFgsm.Attack(model, images, labels, options),
            _ => Pgd.Attack(model, images, labels, options, generator),
        };
}
