namespace Cac.Data;

/// <summary>
/// Reads the CIFAR-10 / CIFAR-100 binary files (the "binary version" archives from
/// https://www.cs.toronto.edu/~kriz/cifar.html).
/// <para>
/// A file is a sequence of fixed-size records with no header: the label byte(s) (CIFAR-10: one, 0..9;
/// CIFAR-100: coarse 0..19 then fine 0..99), then 3072 pixel bytes: the 1024 red, 1024 green and 1024 blue
/// values of a 32 x 32 image, each plane row-major, i.e. exactly the (C, H, W) layout.
/// </para>
/// Every format problem (a length that is not a whole number of records, an empty file, a label out of range,
/// a bad class-name file) throws <see cref="InvalidDataException"/> naming the file (<see cref="DataFormat.Error"/>);
/// missing files throw the usual IO exceptions.
/// </summary>
public static class CifarReader
{
    /// <summary>Shape of every CIFAR image, (3, 32, 32).</summary>
    public static readonly ImageShape ImageShape = new(3, 32, 32);

    /// <summary>Pixel bytes per record, 3 * 32 * 32.</summary>
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>The CIFAR-10 class names, in label order.</summary>
    public static IReadOnlyList<string> Cifar10ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The CIFAR-100 fine class names, in label order (alphabetical).</summary>
    public static IReadOnlyList<string> Cifar100FineClassNames { get; } =
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ];

    /// <summary>The CIFAR-100 coarse (superclass) names, in label order.</summary>
    public static IReadOnlyList<string> Cifar100CoarseClassNames { get; } =
    [
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables", "household_electrical_devices",
        "household_furniture", "insects", "large_carnivores", "large_man-made_outdoor_things", "large_natural_outdoor_scenes",
        "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people", "reptiles",
        "small_mammals", "trees", "vehicles_1", "vehicles_2",
    ];

    /// <summary>Label bytes at the start of each record: 1 for CIFAR-10, 2 for CIFAR-100.</summary>
    public static int LabelBytes(CifarVariant variant) => variant == CifarVariant.Cifar10 ? 1 : 2;

    /// <summary>Bytes per record: the label bytes plus 3072 pixel bytes.</summary>
    public static int RecordBytes(CifarVariant variant) => LabelBytes(variant) + ImageBytes;

    /// <summary>Number of classes of the label the variant uses (10, 100 or 20).</summary>
    public static int ClassCount(CifarVariant variant) => variant switch
    {
        CifarVariant.Cifar10 => 10,
        CifarVariant.Cifar100Fine => 100,
        CifarVariant.Cifar100Coarse => 20,
        _ => throw new ArgumentException($"CifarReader: unknown variant {variant}"),
    };

    /// <summary>The built-in class names of the variant.</summary>
    public static IReadOnlyList<string> DefaultClassNames(CifarVariant variant) => variant switch
    {
        CifarVariant.Cifar10 => Cifar10ClassNames,
        CifarVariant.Cifar100Fine => Cifar100FineClassNames,
        CifarVariant.Cifar100Coarse => Cifar100CoarseClassNames,
        _ => throw new ArgumentException($"CifarReader: unknown variant {variant}"),
    };

    /// <summary>
    /// Reads and concatenates the records of <paramref name="paths"/> (e.g. data_batch_1.bin .. data_batch_5.bin)
    /// into a byte dataset with shape (3, 32, 32). <paramref name="classNames"/> defaults to <see cref="DefaultClassNames"/>.
    /// </summary>
    public static ByteImageDataset Read(IReadOnlyList<string> paths, CifarVariant variant,
        IReadOnlyList<string>? classNames = null, string name = "")
    {
        if (paths.Count == 0) throw new ArgumentException("CifarReader.Read: no files given");
        int classCount = ClassCount(variant);
        classNames ??= DefaultClassNames(variant);
        if (classNames.Count != classCount)
            throw new ArgumentException($"CifarReader.Read: {classNames.Count} class names for {classCount} classes ({variant})");

        // Validate every length before allocating, so a bad last file fails fast.
        var counts = new int[paths.Count];
        long total = 0;
        for (int f = 0; f < paths.Count; f++)
        {
            counts[f] = RecordCount(paths[f], new FileInfo(paths[f]).Length, variant);
            total += counts[f];
        }
        if (total * ImageBytes > Array.MaxLength)
            throw new ArgumentException($"CifarReader.Read: {total} records are more than one array can hold");

        var pixels = new byte[total * ImageBytes];
        var labels = new int[total];
        int offset = 0;
        for (int f = 0; f < paths.Count; f++)
        {
            ReadRecords(paths[f], variant, counts[f], pixels.AsSpan(offset * ImageBytes, counts[f] * ImageBytes),
                labels.AsSpan(offset, counts[f]));
            offset += counts[f];
        }
        return new ByteImageDataset(pixels, labels, ImageShape, classCount, classNames, name);
    }

    /// <summary>
    /// Reads one file: pixels (N, 3, 32, 32) bytes and the labels the variant uses. Validates the length
    /// (a positive whole number of records) and every label byte (for CIFAR-100 both the coarse and the fine one).
    /// </summary>
    public static (byte[] Pixels, int[] Labels) ReadFile(string path, CifarVariant variant)
    {
        int count = RecordCount(path, new FileInfo(path).Length, variant);
        var pixels = new byte[(long)count * ImageBytes];
        var labels = new int[count];
        ReadRecords(path, variant, count, pixels, labels);
        return (pixels, labels);
    }

    /// <summary>
    /// Reads a class-name file (batches.meta.txt, fine_label_names.txt, coarse_label_names.txt): one name per line,
    /// surrounding white space trimmed, blank lines ignored. Throws <see cref="InvalidDataException"/> unless it holds
    /// exactly <paramref name="expectedCount"/> names.
    /// </summary>
    public static IReadOnlyList<string> ReadClassNames(string path, int expectedCount)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > 1 << 20)
            throw DataFormat.Error(path, $"class-name file is {info.Length} bytes; more than 1 MiB is not a list of {expectedCount} names");
        string text = File.ReadAllText(path);
        var names = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length != expectedCount)
            throw DataFormat.Error(path, $"holds {names.Length} class names, expected {expectedCount} (one per line)");
        foreach (var n in names)
            if (n.Any(char.IsControl))
                throw DataFormat.Error(path, "a class name contains control characters; not a text file of names");
        return names;
    }

    private static int RecordCount(string path, long length, CifarVariant variant)
    {
        int record = RecordBytes(variant);
        string kind = variant == CifarVariant.Cifar10 ? "CIFAR-10" : "CIFAR-100";
        if (length == 0)
            throw DataFormat.Error(path, $"empty file; a {kind} batch holds records of {record} bytes");
        if (length % record != 0)
            throw DataFormat.Error(path, $"length {length} bytes is not a multiple of the {kind} record size {record} " +
                $"({LabelBytes(variant)} label byte(s) + {ImageBytes} pixel bytes): {length / record} whole records and {length % record} bytes left over");
        if (length / record > Array.MaxLength / ImageBytes)
            throw DataFormat.Error(path, $"length {length} bytes: too many records for one array");
        return (int)(length / record);
    }

    // pixels: (count, 3, 32, 32); labels: (count).
    private static void ReadRecords(string path, CifarVariant variant, int count, Span<byte> pixels, Span<int> labels)
    {
        int record = RecordBytes(variant);
        int labelBytes = LabelBytes(variant);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (file.Length != (long)count * record)
            throw DataFormat.Error(path, $"length changed while reading: now {file.Length} bytes, expected {(long)count * record}");
        Span<byte> head = stackalloc byte[2];
        for (int i = 0; i < count; i++)
        {
            ReadExactly(file, head[..labelBytes], path, i);
            ReadExactly(file, pixels.Slice(i * ImageBytes, ImageBytes), path, i);
            long at = (long)i * record;
            if (variant == CifarVariant.Cifar10)
            {
                CheckLabel(path, i, at, "label", head[0], 10);
                labels[i] = head[0];
            }
            else
            {
                CheckLabel(path, i, at, "coarse label", head[0], 20);
                CheckLabel(path, i, at + 1, "fine label", head[1], 100);
                labels[i] = variant == CifarVariant.Cifar100Fine ? head[1] : head[0];
            }
        }
    }

    private static void CheckLabel(string path, int record, long offset, string what, byte value, int classes)
    {
        if (value >= classes)
            throw DataFormat.Error(path, $"record {record} (byte offset {offset}): {what} {value} is not below {classes}");
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, int record)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) throw DataFormat.Error(path, $"truncated while reading record {record}");
            total += n;
        }
    }
}
