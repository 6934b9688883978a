using System.Globalization;
using Cac.Cli.Commands;

namespace Cac.Cli.Reproduce;

/// <summary>
/// How the rows of a reproduced table are trained: the data, the optimizer and its schedule, the cost exponent.
/// <see cref="Paper"/> is the paper's CIFAR-10 recipe; <see cref="Small"/> is its miniature for a 2-core CPU (docs/design.md,
/// "The paper's experiments", states both). Each row's <c>cac train</c> settings come from <see cref="SettingsFor"/>.
/// </summary>
/// <param name="Scale">"paper" or "small".</param>
/// <param name="Dataset">The dataset's catalogue name.</param>
/// <param name="Epochs">Training epochs.</param>
/// <param name="Limit">Only the first N training (and test) images; null: all.</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="Lr">Initial learning rate.</param>
/// <param name="MilestoneFractions">When the lr is divided by 10, as fractions of <see cref="Epochs"/> (the paper: 160 and 240 of 400).</param>
/// <param name="Momentum">Nesterov momentum.</param>
/// <param name="WeightDecay">L2 weight decay.</param>
/// <param name="Lambda">The cost exponent of the content-aware objective.</param>
/// <param name="Seed">Random seed.</param>
/// <param name="Cosine">Whether the lr follows a cosine to 0 over the run (stepped per batch) instead of the paper's drops.</param>
/// <param name="AdversarialSteps">Adversarial training (Table 5): PGD iterations per training batch at eps 8/255, step 2/255
/// (`cac train --adversarial pgd --adv-steps K`); null: standard training.</param>
/// <param name="Attacks">Table 5: the test images each trained row is attacked on; null: no attacks.</param>
internal sealed record Recipe(string Scale, string Dataset, int Epochs, int? Limit, int BatchSize, double Lr, double[] MilestoneFractions,
    double Momentum, double WeightDecay, double Lambda, int Seed, bool Cosine = false, int? AdversarialSteps = null, AttackPlan? Attacks = null)
{
    /// <summary>
    /// The lr milestones for <see cref="Epochs"/>: each fraction times the epochs, rounded, kept where it lies strictly
    /// between 0 and the epochs (a drop after the last epoch never acts), as `cac train --milestones` text; null when none remains.
    /// </summary>
    public string? Milestones
    {
        get
        {
            var epochs = MilestoneFractions.Select(f => (int)Math.Round(f * Epochs, MidpointRounding.AwayFromZero))
                .Where(e => e >= 1 && e < Epochs).Distinct().Order().ToList();
            return epochs.Count == 0 ? null : string.Join(",", epochs.Select(e => e.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>"cosine" for a <see cref="Cosine"/> recipe, else "multistep" with <see cref="Milestones"/>, or "constant" when the run is too short for any drop.</summary>
    public string Schedule => Cosine ? "cosine" : Milestones is null ? "constant" : "multistep";

    /// <summary>The `cac train` settings of one row: this recipe for <paramref name="model"/> with <paramref name="lambda"/>, writing to <paramref name="outDir"/>.</summary>
    public TrainCommand.TrainSettings SettingsFor(string model, double lambda, string outDir, string? dataDir, string device, string cpuKernels) =>
        new(model, Dataset, dataDir, Epochs, BatchSize, Lr, Schedule, Momentum, WeightDecay, Limit, Seed, outDir, lambda,
            Device: device, CpuKernels: cpuKernels, Milestones: Schedule == "multistep" ? Milestones : null,
            Adversarial: AdversarialSteps is null ? null : "pgd", AdvSteps: AdversarialSteps ?? TrainCommand.MadryAdvSteps);

    /// <summary>The recipe in one sentence, for the report.</summary>
    public string Describe()
    {
        string data = Limit is int n ? string.Create(CultureInfo.InvariantCulture, $"{Dataset} (first {n:N0} training images, first {n:N0} test images)") : Dataset;
        string schedule = Schedule switch
        {
            "cosine" => "on a cosine to 0 over the run (stepped per batch)",
            "multistep" => $"divided by 10 after epochs {Milestones} (multistep)",
            _ => "constant (too few epochs for the drops)",
        };
        string augmentation = Dataset.StartsWith("cifar", StringComparison.OrdinalIgnoreCase)
            ? "random 32 x 32 crop of the 4-padded image and horizontal flip (as `cac train` does for CIFAR)"
            : "no augmentation (`cac train` augments CIFAR only)";
        string adversarial = AdversarialSteps is int k
            ? $", adversarial training on PGD-{k} examples (eps 8/255, step 2/255, random start; Madry et al.)"
            : "";
        string attacks = Attacks is null ? "" : $"; each trained row attacked on {Attacks.Describe(Limit)}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{data}, {Epochs} epoch(s), batch {BatchSize}, SGD with Nesterov momentum {Momentum}, weight decay {WeightDecay}, lr {Lr} {schedule}, lambda {Lambda}, seed {Seed}, {augmentation}{adversarial}{attacks}");
    }

    /// <summary>
    /// The paper's CIFAR-10 recipe (Table 1 and Table 6): 400 epochs, batch 128, SGD with Nesterov momentum 0.9, weight
    /// decay 1e-4, lr 0.1 divided by 10 at epochs 160 and 240, crop and flip, lambda 0.3.
    /// </summary>
    public static Recipe Paper { get; } = new("paper", "cifar10", 400, null, 128, 0.1, [0.4, 0.6], 0.9, 1e-4, 0.3, 0);

    /// <summary>
    /// The miniature: Fashion-MNIST (shipped here; CIFAR-10 is not) zero-padded to CIFAR's 32 x 32 (fashion-mnist-32: the
    /// octave rows need sides divisible by 8, and the MAdds are counted at the paper's input size), its first 10,000
    /// training images, 10 epochs with the paper's schedule shape (drops after 40% and 60% of the epochs: 4 and 6),
    /// everything else as the paper. About 5 minutes a row by <see cref="EstimateSeconds"/> (16 minutes measured for
    /// Table 1's four rows).
    /// </summary>
    public static Recipe Small { get; } = new("small", "fashion-mnist-32", 10, 10_000, 128, 0.1, [0.4, 0.6], 0.9, 1e-4, 0.3, 0);

    /// <summary>
    /// The claim in a few minutes (the README's first command): every image of Fashion-MNIST once (1 epoch), lr 0.1 on a
    /// cosine to 0 (a single epoch has no room for the paper's drops), everything else as the paper; Table 1 trains only
    /// its ResNet-20 pair at this scale (standard and CAC, about 2 minutes each on a quiet 2-core CPU).
    /// </summary>
    public static Recipe Quick { get; } = new("quick", "fashion-mnist", 1, null, 128, 0.1, [0.4, 0.6], 0.9, 1e-4, 0.3, 0, Cosine: true);

    /// <summary>
    /// Table 5 as the paper trains it (after Madry et al.): CIFAR-10, 200 epochs, batch 128, SGD with momentum 0.9 (Nesterov
    /// here, as every recipe), weight decay 5e-4, lr 0.1 divided by 10 at epochs 90, 140 and 160, crop and flip, each batch
    /// replaced by its PGD-7 examples (eps 8/255, step 2/255, random start), lambda 0.3; every trained row attacked on the
    /// whole test set.
    /// </summary>
    public static Recipe Table5Paper { get; } = new("paper", "cifar10", 200, null, 128, 0.1, [0.45, 0.7, 0.8], 0.9, 5e-4, 0.3, 0,
        AdversarialSteps: TrainCommand.MadryAdvSteps, Attacks: new AttackPlan(null, null));

    /// <summary>
    /// Table 5's miniature for a 2-core CPU: the paper's recipe (PGD-7 training included) on Fashion-MNIST with less data and
    /// fewer epochs: its first 8,000 training (and test) images, 10 epochs (drops after epochs 5, 7 and 8: the paper's
    /// 45%/70%/80%), and the attacks on the first 2,000 test images (PGD-100 on the first 500). Sized by
    /// <see cref="EstimateSeconds"/> to about 15 minutes a row, 30 for the ResNet-20 pair on a quiet machine.
    /// </summary>
    public static Recipe Table5Small { get; } = new("small", "fashion-mnist", 10, 8_000, 128, 0.1, [0.45, 0.7, 0.8], 0.9, 5e-4, 0.3, 0,
        AdversarialSteps: TrainCommand.MadryAdvSteps, Attacks: new AttackPlan(2_000, 500));

    /// <summary>The recipe of <paramref name="table"/> at <paramref name="scale"/>: Table 5 has its own (adversarial training and attacks), no quick one.</summary>
    /// <exception cref="ArgumentException">An unknown scale, or table5 at quick scale (one line).</exception>
    public static Recipe For(string table, string scale)
    {
        var recipe = ForScale(scale);
        if (!table.Equals("table5", StringComparison.OrdinalIgnoreCase)) return recipe;
        return recipe.Scale switch
        {
            "small" => Table5Small,
            "paper" => Table5Paper,
            _ => throw new ArgumentException("table5 has no quick scale (adversarial training costs several times plain training); use --scale small"),
        };
    }

    /// <summary>The scale names, smallest first.</summary>
    public static IReadOnlyList<string> Scales { get; } = ["quick", "small", "paper"];

    /// <summary>The recipe of a scale name ("quick", "small" or "paper").</summary>
    /// <exception cref="ArgumentException">Another name (one line naming the scales).</exception>
    public static Recipe ForScale(string scale) => scale.ToLowerInvariant() switch
    {
        "quick" => Quick,
        "small" => Small,
        "paper" => Paper,
        _ => throw new ArgumentException($"--scale must be quick, small or paper, got '{scale}'"),
    };

    /// <summary>Training images per second of ResNet-20 on 28 x 28 images on this 2-core machine when it is quiet (one Fashion-MNIST epoch of 60,000 in ~100 s).</summary>
    public const double TrainImagesPerSecond = 600;

    /// <summary>Test images per second (a forward pass, about three times a training step's speed).</summary>
    public const double TestImagesPerSecond = 1800;

    /// <summary>
    /// One attack step (a forward and an input-gradient backward, no weight gradients, no optimizer step) per image, as a
    /// fraction of a standard ResNet-20 training step's time per image. Measured as process CPU time on Fashion-MNIST at
    /// batch 128, the difference between two --limit sizes (so start-up and warm-up cancel): 0.55 for ResNet-20 (`cac train
    /// --adversarial pgd --adv-steps 7` and `cac attack --method pgd` alike), 0.83 for CAC-ResNet-20 (whose adversarial
    /// epoch costs 1.46 times ResNet-20's); 0.65 sits between the two, so a pair's estimate is about right.
    /// </summary>
    public const double AttackStepCost = 0.65;

    /// <summary>
    /// Estimated seconds of one row on this machine: per epoch, the training images at <see cref="TrainImagesPerSecond"/>
    /// (with adversarial training each also costs <see cref="AdversarialSteps"/> attack steps of <see cref="AttackStepCost"/>)
    /// and the test images at <see cref="TestImagesPerSecond"/>, plus the row's attacks (<see cref="AttackSeconds"/>), all
    /// scaled by the dataset's pixels over 28 x 28 (the work of every convolution grows with its map), plus 15 s of set-up
    /// and figures. CAC and OctConv ResNet-20 train at about the standard model's speed on the CPU (measured: within 20% at
    /// --limit 2048; adversarially, CAC-ResNet-20 costs 1.46 times ResNet-20, which <see cref="AttackStepCost"/> allows for).
    /// </summary>
    public double EstimateSeconds(int trainImages, int testImages)
    {
        int train = Limit is int n ? Math.Min(n, trainImages) : trainImages;
        int test = Limit is int m ? Math.Min(m, testImages) : testImages;
        double perTrainingImage = (1 + (AdversarialSteps ?? 0) * AttackStepCost) / TrainImagesPerSecond;
        return Epochs * Pixels * (train * perTrainingImage + test / TestImagesPerSecond) + 15 + AttackSeconds(testImages);
    }

    /// <summary>
    /// Estimated seconds of one row's attacks (0 without <see cref="Attacks"/>): per column, its images times its steps at
    /// <see cref="AttackStepCost"/>, plus the clean and adversarial images classified by the row and its partner, scaled by
    /// the dataset's pixels as <see cref="EstimateSeconds"/>.
    /// </summary>
    public double AttackSeconds(int testImages)
    {
        if (Attacks is null) return 0;
        return AttackColumns.Table5.Sum(column =>
        {
            int images = Math.Min(Attacks.ImagesFor(column, Limit) ?? testImages, testImages);
            return Pixels * images * (column.Steps * AttackStepCost / TrainImagesPerSecond + 4 / TestImagesPerSecond);
        });
    }

    // The dataset's pixels per image over Fashion-MNIST's 28 x 28, which the throughputs were measured on.
    private double Pixels
    {
        get
        {
            var shape = Cac.Data.DatasetCatalog.Info(Dataset).ImageShape;
            return (double)shape.Height * shape.Width / (28 * 28);
        }
    }
}