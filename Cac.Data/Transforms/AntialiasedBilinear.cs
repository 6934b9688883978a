namespace Cac.Data;

/// <summary>
/// PIL's bilinear resize (Image.resize(size, BILINEAR), which torchvision applies to PIL images and, in float, to
/// tensors with antialias=True): each output pixel is a normalised triangle-weighted mean of the input pixels whose
/// centres lie within the filter's support around its own centre, mapped to the input. The support is 1 pixel when
/// enlarging and the scale factor (input / output size) when reducing, so a reduction averages every input pixel it
/// covers instead of sampling two (antialiasing). Enlarging is the same as bilinear interpolation with align_corners=False.
/// Separable: rows first, then columns, in float32 with weights computed in float64. Unlike PIL, which rounds to bytes
/// after each pass, nothing is rounded.
/// </summary>
public static class AntialiasedBilinear
{
    /// <summary>
    /// Resizes the region <paramref name="box"/> of <paramref name="input"/> (shape <paramref name="shape"/>) to
    /// <paramref name="outHeight"/> x <paramref name="outWidth"/>: output (C, outHeight, outWidth). Pixels outside the
    /// box never contribute (PIL crops, then resizes).
    /// </summary>
    public static void Resize(ReadOnlySpan<float> input, ImageShape shape, CropBox box, Span<float> output, int outHeight, int outWidth)
    {
        if (outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException($"AntialiasedBilinear: output size {outHeight} x {outWidth} must be positive");
        box.CheckInside(shape, "AntialiasedBilinear");
        TransformChecks.Spans("AntialiasedBilinear", input, output, shape, shape with { Height = outHeight, Width = outWidth });
        var columns = Weights.For(box.Width, outWidth);
        var rows = Weights.For(box.Height, outHeight);
        int h = shape.Height, w = shape.Width;
        var wide = new float[box.Height * outWidth]; // one channel's box rows, resized horizontally: (box.Height, outWidth)
        for (int c = 0; c < shape.Channels; c++)
        {
            var plane = input.Slice(c * h * w, h * w);
            for (int y = 0; y < box.Height; y++)
                columns.Apply(plane.Slice((box.Top + y) * w + box.Left, box.Width), 1, wide.AsSpan(y * outWidth, outWidth), 1);
            var target = output.Slice(c * outHeight * outWidth, outHeight * outWidth);
            for (int x = 0; x < outWidth; x++)
                rows.Apply(wide.AsSpan(x), outWidth, target[x..], outWidth);
        }
    }

    /// <summary>The weights of one axis: for each output index, the first input index and the normalised weights from there on.</summary>
    private sealed class Weights
    {
        private readonly int[] _first, _count;
        private readonly float[] _weights; // (outSize, span)
        private readonly int _span;

        private Weights(int[] first, int[] count, float[] weights, int span)
        {
            _first = first;
            _count = count;
            _weights = weights;
            _span = span;
        }

        // PIL's precompute_coeffs (Resample.c) for the bilinear filter on [0, inSize) -> outSize.
        public static Weights For(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = filterScale; // the triangle's support, 1, widened by the reduction factor
            int span = (int)Math.Ceiling(support) * 2 + 1;
            var first = new int[outSize];
            var count = new int[outSize];
            var weights = new float[outSize * span];
            var raw = new double[span];
            for (int o = 0; o < outSize; o++)
            {
                double centre = (o + 0.5) * scale;
                int lo = Math.Max((int)(centre - support + 0.5), 0);
                int hi = Math.Min((int)(centre + support + 0.5), inSize);
                double total = 0;
                for (int i = lo; i < hi; i++)
                {
                    double d = Math.Abs((i - centre + 0.5) / filterScale);
                    raw[i - lo] = d < 1 ? 1 - d : 0;
                    total += raw[i - lo];
                }
                first[o] = lo;
                count[o] = hi - lo;
                for (int i = 0; i < hi - lo; i++) weights[o * span + i] = (float)(total == 0 ? 0 : raw[i] / total);
            }
            return new Weights(first, count, weights, span);
        }

        // target[o * targetStride] = sum_k w[o, k] source[(first[o] + k) * sourceStride], for every output index o.
        public void Apply(ReadOnlySpan<float> source, int sourceStride, Span<float> target, int targetStride)
        {
            for (int o = 0; o < _first.Length; o++)
            {
                var w = _weights.AsSpan(o * _span, _count[o]);
                int at = _first[o] * sourceStride;
                float sum = 0;
                for (int k = 0; k < w.Length; k++) sum += w[k] * source[at + k * sourceStride];
                target[o * targetStride] = sum;
            }
        }
    }
}
