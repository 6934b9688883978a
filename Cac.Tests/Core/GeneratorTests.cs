using FluentAssertions;
using Xunit;

namespace Cac.Tests.Core;

/// <summary>Generator: the same sequences as System.Random(seed), and a state that saves and restores the sequence.</summary>
public class GeneratorTests
{
    public static TheoryData<int> Seeds => new() { 0, 1, 42, -7, 123456789, int.MaxValue, int.MinValue };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Draws_match_System_Random_with_the_same_seed(int seed)
    {
        var generator = new Generator(seed);
        var r = new Random(seed);
        for (int i = 0; i < 2000; i++)
        {
            // Interleaved so that every method sees the table at arbitrary positions.
            switch (i % 5)
            {
                case 0: generator.NextDouble().Should().Be(r.NextDouble()); break;
                case 1: generator.NextInt(i + 1).Should().Be(r.Next(i + 1)); break;
                case 2: generator.NextInt(1 << 22).Should().Be(r.Next(1 << 22)); break;
                case 3: generator.NextUInt64().Should().Be((ulong)r.NextInt64() ^ ((ulong)r.Next() << 63)); break;
                default: generator.NextInt(int.MaxValue).Should().Be(r.Next(int.MaxValue)); break;
            }
        }
    }

    [Fact]
    public void Permutation_and_normals_match_the_System_Random_formulas()
    {
        var generator = new Generator(5);
        var r = new Random(5);
        var expected = Enumerable.Range(0, 100).ToArray();
        for (int i = expected.Length - 1; i > 0; i--)
        {
            int j = r.Next(i + 1);
            (expected[i], expected[j]) = (expected[j], expected[i]);
        }
        generator.Permutation(100).Should().Equal(expected);

        for (int i = 0; i < 5; i++)
        {
            double u1 = 1.0 - r.NextDouble(), u2 = r.NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            generator.NextNormal().Should().Be(radius * Math.Cos(2 * Math.PI * u2));
            generator.NextNormal().Should().Be(radius * Math.Sin(2 * Math.PI * u2));
        }
    }

    [Fact]
    public void SetState_continues_the_sequence_from_the_saved_point()
    {
        var generator = new Generator(11);
        for (int i = 0; i < 100; i++) generator.NextDouble();
        generator.NextNormal(); // leaves a spare normal pending: it is part of the state
        var state = generator.GetState();
        var expected = Draws(generator);

        var other = new Generator(99);
        other.SetState(state);
        Draws(other).Should().Equal(expected);
        other.Seed.Should().Be(99);

        // The same generator rewound to its own state.
        generator.SetState(state);
        Draws(generator).Should().Equal(expected);
    }

    [Fact]
    public void GetState_does_not_share_the_table()
    {
        var generator = new Generator(3);
        var state = generator.GetState();
        var copy = (byte[])state.Clone();
        generator.NextDouble();
        state.Should().Equal(copy);
        generator.GetState().Should().NotEqual(copy);
    }

    [Fact]
    public void SetState_rejects_malformed_states_and_keeps_its_own()
    {
        var generator = new Generator(8);
        var good = generator.GetState();
        var expected = Draws(new Generator(8));

        FluentActions.Invoking(() => generator.SetState(good[..^1])).Should().Throw<ArgumentException>().WithMessage("*bytes*");
        var badVersion = (byte[])good.Clone();
        badVersion[0] = 9;
        FluentActions.Invoking(() => generator.SetState(badVersion)).Should().Throw<ArgumentException>().WithMessage("*version 9*");
        var badIndex = (byte[])good.Clone();
        badIndex[8] = 200;
        FluentActions.Invoking(() => generator.SetState(badIndex)).Should().Throw<ArgumentException>().WithMessage("*indices*");
        Draws(generator).Should().Equal(expected);
    }

    private static List<double> Draws(Generator generator)
    {
        var values = new List<double>();
        for (int i = 0; i < 50; i++) values.Add(i % 3 == 0 ? generator.NextNormal() : generator.NextDouble());
        values.Add(generator.NextUInt64());
        values.AddRange(generator.Permutation(20).Select(v => (double)v));
        return values;
    }
}
