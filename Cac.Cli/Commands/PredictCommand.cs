using System.CommandLine;
using Cac.Cli.Devices;
using Cac.Serialization;

namespace Cac.Cli.Commands;

/// <summary>
/// `cac predict`: runs a trained model over images stored in a NumPy file and writes the logits to another.
/// Input: float32 (float64 is converted) (N, C, H, W), already normalised as the model was trained. Output: float32 logits
/// (N, classes), or (N, classes, H, W) at the input's size for a segmentation model. The model runs in evaluation mode
/// without gradients, in batches of --batch-size.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model name (see `cac models`)", Required = true };
        var weights = new Option<string>("--weights") { Description = "The model's weights (a safetensors file such as a run's model.safetensors)", Required = true };
        var input = new Option<string>("--input") { Description = "Images as a .npy file: float32 (N, C, H, W), normalised as in training", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write the logits: a float32 (N, classes) .npy file", Required = true };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per forward pass", DefaultValueFactory = _ => 256 };
        var classes = new Option<int?>("--classes") { Description = "Number of classes (default: read from the weights)" };
        var inChannels = new Option<int?>("--in-channels") { Description = "Input channels (default: read from the weights)" };
        var device = DeviceSelection.CreateOption();

        var command = new Command("predict", "Compute a model's logits for images in a .npy file and write them to a .npy file")
        {
            model, weights, input, output, batchSize, classes, inChannels, device,
        };
        command.SetAction(parse => Run(SettingsFrom(parse), Console.Out));
        return command;
    }

    /// <summary>The settings of a parsed `cac predict` command line (options left out take their defaults).</summary>
    internal static PredictSettings SettingsFrom(ParseResult parse) => new(
        Model: parse.GetValue<string>("--model")!,
        Weights: parse.GetValue<string>("--weights")!,
        Input: parse.GetValue<string>("--input")!,
        Output: parse.GetValue<string>("--output")!,
        BatchSize: parse.GetValue<int>("--batch-size"),
        Classes: parse.GetValue<int?>("--classes"),
        InChannels: parse.GetValue<int?>("--in-channels"),
        Device: parse.GetValue<string>("--device")!);

    internal sealed record PredictSettings(string Model, string Weights, string Input, string Output, int BatchSize = 256,
        int? Classes = null, int? InChannels = null, string Device = "cpu")
    {
        public void Validate()
        {
            if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}");
            if (Classes is < 1) throw new ArgumentException($"--classes must be at least 1, got {Classes}");
            if (InChannels is < 1) throw new ArgumentException($"--in-channels must be at least 1, got {InChannels}");
        }
    }

    internal static int Run(PredictSettings s, TextWriter log)
    {
        s.Validate();
        if (!File.Exists(s.Input)) throw new FileNotFoundException($"--input: file '{s.Input}' not found", s.Input);
        var images = Npy.Load(s.Input);
        // images: (N, C, H, W)
        if (images.DType == DType.Int32)
            throw new ArgumentException($"--input '{s.Input}' holds int32 values; predict needs float32 images (N, C, H, W), normalised as in training");
        if (images.Rank != 4)
            throw new ArgumentException($"--input '{s.Input}' has shape {Shape.Format(images.Dims)}; predict needs images of shape (N, C, H, W)");
        if (images.Dims.Contains(0))
            throw new ArgumentException($"--input '{s.Input}' has shape {Shape.Format(images.Dims)}, which holds no image");
        int n = images.Dims[0], c = images.Dims[1], h = images.Dims[2], w = images.Dims[3];

        var loaded = StrictWeights.Load(s.Model, s.Weights, s.InChannels, s.Classes);
        if (c != loaded.InChannels)
            throw new ArgumentException($"--input '{s.Input}' has {c} channel(s) (shape {Shape.Format(images.Dims)}), but model '{loaded.Info.Name}' " +
                                        $"with these weights takes {loaded.InChannels}");
        var device = DeviceSelection.Open(s.Device);
        var net = loaded.Model;
        net.To(device);
        net.Eval();

        var pixels = images.ToFloatArray();
        // Logits per image: (classes), or (classes, H, W) for a segmentation model.
        int[] perImage = loaded.Info.IsSegmentation ? [loaded.Classes, h, w] : [loaded.Classes];
        int perImageCount = (int)Shape.Numel(perImage);
        var logits = new float[(long)n * perImageCount];
        int sample = c * h * w;
        using (Autograd.NoGrad())
        {
            for (int start = 0; start < n; start += s.BatchSize)
            {
                int b = Math.Min(s.BatchSize, n - start);
                var batch = Tensor.FromArray(pixels.AsSpan(start * sample, b * sample).ToArray(), [b, c, h, w], device);
                Tensor output;
                try
                {
                    output = net.Forward(batch);
                }
                catch (ArgumentException e) when (start == 0)
                {
                    throw new ArgumentException($"model '{loaded.Info.Name}' (made for {loaded.Info.InputSize} x {loaded.Info.InputSize} images) " +
                                                $"cannot take the {h} x {w} images of --input '{s.Input}': {e.Message}", e);
                }
                // output: (b, classes) or (b, classes, H, W)
                int[] expected = [b, .. perImage];
                if (!output.Dims.SequenceEqual(expected))
                    throw new InvalidOperationException($"model '{loaded.Info.Name}' returned shape {Shape.Format(output.Dims)} for a batch of {b}; expected {Shape.Format(expected)}");
                output.ToFloatArray().CopyTo(logits.AsSpan(start * perImageCount));
            }
        }
        int[] shape = [n, .. perImage];
        Npy.Save(s.Output, Tensor.FromArray(logits, shape));
        log.WriteLine($"wrote {s.Output}: logits {Shape.Format(shape)} of {loaded.Info.Name} for {n} image(s) {Shape.Format([c, h, w])}");
        return 0;
    }
}
