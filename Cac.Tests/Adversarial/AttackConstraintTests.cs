using Cac.Adversarial;
using Cac.Nn;
using FluentAssertions;
using Xunit;

namespace Cac.Tests.Adversarial;

/// <summary>Properties every L-infinity attack must keep, over random models, images and settings.</summary>
public class AttackConstraintTests
{
    // A small random classifier on pixels: normalisation, conv, ReLU, pooling, linear.
    private static Module RandomModel(int seed, int channels, int classes)
    {
        var g = new Generator(seed);
        var net = new Sequential(new Conv2d(channels, 4, 3, padding: 1, generator: g), new ReLU(),
            new AdaptiveAvgPool2d(2, 2), new Flatten(), new Linear(16, classes, generator: g));
        return InputNormalization.Wrap(net, [0.3], [0.25]);
    }

    private static Tensor Images(int seed, int n, int c, int h, int w)
    {
        // Uniform pixels, a tenth of them on the faces 0 and 1 of the box (as dark and saturated pixels are).
        var values = Tensor.Uniform([n, c, h, w], new Generator(seed)).ToFloatArray();
        var rng = new Random(seed);
        for (int i = 0; i < values.Length; i++) if (rng.NextDouble() < 0.1) values[i] = rng.Next(2);
        return Tensor.FromArray(values, [n, c, h, w]);
    }

    [Fact]
    public void Every_pgd_and_mifgsm_iterate_stays_in_the_eps_ball_and_in_the_unit_box()
    {
        for (int trial = 0; trial < 12; trial++)
        {
            var rng = new Random(100 + trial);
            int n = rng.Next(1, 5), c = rng.Next(1, 4), h = rng.Next(3, 8), w = rng.Next(3, 8), classes = rng.Next(2, 6);
            var model = RandomModel(200 + trial, c, classes);
            var images = Images(300 + trial, n, c, h, w);
            var labels = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => rng.Next(classes)).ToArray(), [n]);
            double eps = rng.NextDouble() * 0.3, step = rng.NextDouble() * 0.2; // steps up to 2.5 eps: the projection works
            var clean = images.ToFloatArray();
            for (int k = 0; k <= 4; k++)
            {
                // With a seeded random start each run of k steps is the k-th iterate of one longer run.
                var options = new AttackOptions(eps, step, k, RandomStart: trial % 2 == 0);
                foreach (var (name, x) in new[]
                {
                    ("pgd", Pgd.Attack(model, images, labels, options, new Generator(400 + trial))),
                    ("mifgsm", MiFgsm.Attack(model, images, labels, options)),
                })
                {
                    var values = x.ToFloatArray();
                    string what = $"{name} trial {trial} iterate {k} (eps {eps:G3}, step {step:G3})";
                    values.Should().OnlyContain(v => v >= 0 && v <= 1, what);
                    // eps rounded to float32 and the float32 bounds x0 -+ eps: a few ulps of 1.
                    values.Zip(clean, (a, b) => (double)Math.Abs(a - b)).Max().Should().BeLessThanOrEqualTo(eps + 1e-6, what);
                }
            }
        }
    }

    [Fact]
    public void Pgd_raises_the_loss_and_fgsm_moves_every_free_pixel_by_eps()
    {
        var model = RandomModel(1, 3, 5);
        var images = Images(2, 8, 3, 6, 6);
        var labels = Tensor.FromArray([0, 1, 2, 3, 4, 0, 1, 2], [8]);
        double Loss(Tensor x) { using var _ = Autograd.NoGrad(); return Ops.CrossEntropy(model.Forward(x), labels).Item(); }
        var pgd = Pgd.Attack(model, images, labels, new AttackOptions(0.05, 0.01, 10));
        Loss(pgd).Should().BeGreaterThan(Loss(images) + 1e-3);

        var fgsm = Fgsm.Attack(model, images, labels, new AttackOptions(0.05)).ToFloatArray();
        var clean = images.ToFloatArray();
        var moves = fgsm.Zip(clean, (a, b) => Math.Abs(a - b)).ToArray();
        moves.Where((m, i) => clean[i] > 0.05 && clean[i] < 0.95).Should().OnlyContain(m => Math.Abs(m - 0.05) < 1e-6);
    }

    [Fact]
    public void Zero_steps_and_zero_eps_leave_the_images_as_they_are()
    {
        var model = RandomModel(3, 1, 3);
        var images = Images(4, 2, 1, 5, 5);
        var labels = Tensor.FromArray([0, 2], [2]);
        Pgd.Attack(model, images, labels, new AttackOptions(Steps: 0)).ToFloatArray().Should().Equal(images.ToFloatArray());
        Fgsm.Attack(model, images, labels, new AttackOptions(Epsilon: 0)).ToFloatArray().Should().Equal(images.ToFloatArray());
    }

    [Theory]
    [InlineData(1.5, 0.01, 1, "eps must lie in [0, 1]*1.5")]
    [InlineData(-0.1, 0.01, 1, "eps must lie in [0, 1]*-0.1")]
    [InlineData(0.1, 0.01, -2, "steps must be >= 0, got -2")]
    [InlineData(0.1, 2.0, 1, "step size must lie in [0, 1]*2")]
    public void Settings_out_of_range_are_refused_in_one_line(double eps, double step, int steps, string message)
    {
        var act = () => new AttackOptions(eps, step, steps).Validate();
        act.Should().Throw<ArgumentException>().WithMessage(message).Which.Message.Should().NotContain("\n");
    }

    [Fact]
    public void A_random_start_needs_a_generator()
    {
        var act = () => Pgd.Attack(RandomModel(5, 1, 2), Images(6, 1, 1, 4, 4), Tensor.FromArray([0], [1]), new AttackOptions(RandomStart: true));
        act.Should().Throw<ArgumentException>().WithMessage("*generator*");
    }
}
