namespace Cac.Data;

/// <summary>Which CIFAR binary layout a file has and which label the dataset uses.</summary>
public enum CifarVariant
{
    /// <summary>CIFAR-10: records of 1 label byte (0..9) + 3072 pixel bytes.</summary>
    Cifar10,

    /// <summary>CIFAR-100 with its 100 fine labels: records of a coarse label byte (0..19), a fine label byte (0..99), 3072 pixel bytes.</summary>
    Cifar100Fine,

    /// <summary>CIFAR-100 with its 20 coarse (superclass) labels; same records as <see cref="Cifar100Fine"/>.</summary>
    Cifar100Coarse,
}
