using CsCheck;
using EspOta.Delta;
using Xunit.Abstractions;

namespace EspOta.Tests.Delta;

/// <summary>
/// A saved applier state, restored in a fresh applier and fed the rest of the patch, continues exactly:
/// the concatenated output is the new image and no byte is written twice.
/// </summary>
public sealed class DeltaApplierResumeTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(DeltaVectors.CreatedCaseNames), MemberType = typeof(DeltaVectors))]
    public void Restore_AtRandomPoints_ContinuesToTheSameImage(string name)
    {
        var c = DeltaVectors.Case(name);
        var patch = DeltaVectors.DetoolsPatch(c);
        var baseImage = DeltaVectors.ImageBytes(c.GetProperty("base").GetString()!);
        var expected = File.ReadAllBytes(Vectors.PathOf("delta", c.GetProperty("expected_new").GetString()!));
        var profile = DeltaApplyProfile.Full;
        Gen.Select(Gen.Int[1, 3000], Gen.Int[0, 6], Gen.UInt).Sample(t =>
        {
            var (chunk, resumes, seed) = t;
            var random = new Random((int)seed);
            var cuts = Enumerable.Range(0, resumes).Select(_ => random.Next(patch.Length + 1)).Order().ToList();
            var written = new MemoryStream();
            var target = new StreamTarget(written);
            var source = new MemoryDeltaBase(baseImage);
            var applier = new DeltaApplier(source, target, profile, patch.Length);
            int at = 0;
            foreach (int cut in cuts)
            {
                while (at < cut)
                {
                    int n = Math.Min(chunk, cut - at);
                    applier.Process(patch.AsSpan(at, n));
                    at += n;
                }

                var state = applier.SaveState();
                Assert.Equal(at, applier.PatchOffset);
                Assert.Equal(written.Length, applier.OutputOffset);
                applier = DeltaApplier.Restore(state, source, target);
                Assert.Equal(at, applier.PatchOffset);
            }

            while (at < patch.Length)
            {
                int n = Math.Min(chunk, patch.Length - at);
                applier.Process(patch.AsSpan(at, n));
                at += n;
            }

            Assert.Equal(expected.Length, applier.Finalize());
            Assert.Equal(expected, written.ToArray());
        }, iter: 25, writeLine: output.WriteLine);
    }

    [Fact]
    public void Restore_DamagedState_IsFormatException()
    {
        var c = DeltaVectors.Case("hello_world_version_string");
        var patch = DeltaVectors.DetoolsPatch(c);
        var source = new MemoryDeltaBase(DeltaVectors.ImageBytes("hello_world_esp32"));
        var applier = new DeltaApplier(source, new MemoryDeltaTarget(), DeltaApplyProfile.EspDeltaOta);
        applier.Process(patch.AsSpan(0, 100));
        var state = applier.SaveState();
        output.WriteLine($"state: {state.Length} bytes");
        Assert.True(state.Length < 700, $"heatshrink 8/7 state should stay small, is {state.Length} bytes");
        state[20] ^= 1;
        Assert.Throws<FormatException>(() => DeltaApplier.Restore(state, source, new MemoryDeltaTarget()));
        Assert.Throws<FormatException>(() => DeltaApplier.Restore(state.AsSpan(0, 10), source, new MemoryDeltaTarget()));
    }

    private sealed class StreamTarget(Stream stream) : IDeltaTarget
    {
        public void Write(ReadOnlySpan<byte> data) => stream.Write(data);
    }
}
