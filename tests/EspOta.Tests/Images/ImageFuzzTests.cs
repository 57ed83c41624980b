using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using EspOta.Images;
using Xunit.Abstractions;

namespace EspOta.Tests.Images;

/// <summary>
/// Random and mutated inputs: parsing either succeeds or throws <see cref="ImageFormatException"/>, and
/// verification always returns a result. Seeded and printed; bounded by a case count and a time budget.
/// </summary>
public sealed class ImageFuzzTests(ITestOutputHelper output)
{
    // Sized to about 10 s on a 2-core machine (100,000 took 54 s); fixed, so the cost is predictable.
    private const int Cases = 20_000;
    private const int Seed = 0x5EED_1124;
    // A safety stop for a wedged machine, far above the ~10 s a run takes; falling short of Cases fails.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(120);

    private static readonly uint[] Interesting =
    [
        0, 1, 3, 4, 0x10, 0x20, 0xFF, 0xFFFF, 0x10000, 0x1000000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFC, 0xFFFFFFFF,
        0x3F400020, 0x42000020, 0x3FFB0000, 0x40080000, 0x50000000, 0xABCD5432,
    ];

    [Fact]
    public void ParseAndVerify_RandomAndMutatedInputs_OnlyFormatExceptionsOrInvalidResults()
    {
        var corpus = LoadCorpus();
        var rng = new Random(Seed);
        output.WriteLine($"seed 0x{Seed:x}, corpus {corpus.Count} images");
        var clock = Stopwatch.StartNew();
        int done = 0, parsed = 0, rejected = 0, valid = 0;
        for (; done < Cases && clock.Elapsed < Budget; done++)
        {
            var input = done % 4 == 0 ? RandomBytes(rng) : Mutate(rng, corpus[rng.Next(corpus.Count)]);
            var chip = rng.Next(4) == 0 ? null : Chip.All[rng.Next(Chip.All.Count)];
            try
            {
                AppImage.Parse(input, chip);
                parsed++;
            }
            catch (ImageFormatException ex)
            {
                rejected++;
                Assert.InRange(ex.Offset, 0, long.MaxValue);
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {done} (seed 0x{Seed:x}): AppImage.Parse threw {ex.GetType().Name}: {ex.Message}\ninput {Convert.ToHexString(input.AsSpan(0, Math.Min(64, input.Length)))}…");
            }

            try
            {
                var result = ImageVerifier.Verify(input, new ImageVerifyOptions { ExpectedChip = chip, CheckLoadAddresses = rng.Next(2) == 0, ChipRevision = (ushort)rng.Next(0, 400), SecureBootV2 = rng.Next(4) == 0, IsBootloader = rng.Next(4) == 0, EfuseBlockRevision = (ushort)rng.Next(0, 300) });
                if (result.IsValid)
                {
                    valid++;
                }
                else
                {
                    Assert.NotNull(result.FailureMessage);
                    Assert.NotNull(result.FailureOffset);
                }
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {done} (seed 0x{Seed:x}): ImageVerifier.Verify threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        output.WriteLine($"{done} cases in {clock.Elapsed.TotalSeconds:F1} s: {parsed} parsed, {rejected} rejected with ImageFormatException, {valid} verified valid");
        Assert.Equal(Cases, done);
    }

    private static List<byte[]> LoadCorpus()
    {
        using var index = Vectors.ReadJson("images", "index.json");
        var corpus = new List<byte[]>();
        foreach (var e in index.RootElement.EnumerateArray())
        {
            var bytes = File.ReadAllBytes(Vectors.PathOf("images", e.GetProperty("bin").GetString()!));
            // Long images are cut: the interesting structure (headers, first segments) is at the front,
            // and short inputs keep 100,000 cases within the budget.
            corpus.Add(bytes.Length > 32 * 1024 ? bytes[..(32 * 1024)] : bytes);
        }

        corpus.Add(new AppImageBuilder(Chip.Esp32C6).AddSegment(0x40800000, new byte[64]).AddSegment(0x42010020, new byte[32]).Build());
        return corpus;
    }

    private static byte[] RandomBytes(Random rng)
    {
        var bytes = new byte[rng.Next(0, 600)];
        rng.NextBytes(bytes);
        if (bytes.Length > 0 && rng.Next(2) == 0)
        {
            bytes[0] = rng.Next(3) == 0 ? (byte)0xEA : (byte)0xE9;
        }

        if (bytes.Length > 1 && rng.Next(2) == 0)
        {
            bytes[1] = (byte)rng.Next(0, 18);
        }

        if (bytes.Length >= 24 && rng.Next(2) == 0)
        {
            bytes[23] = (byte)rng.Next(0, 2);
        }

        return bytes;
    }

    private static byte[] Mutate(Random rng, byte[] original)
    {
        var bytes = (byte[])original.Clone();
        int mutations = rng.Next(1, 6);
        for (int m = 0; m < mutations && bytes.Length > 0; m++)
        {
            switch (rng.Next(6))
            {
                case 0:
                    bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
                    break;
                case 1:
                    bytes[rng.Next(Math.Min(bytes.Length, 64))] ^= (byte)(1 << rng.Next(8));
                    break;
                case 2:
                    bytes = bytes[..rng.Next(bytes.Length)];
                    break;
                case 3:
                    if (bytes.Length >= 4)
                    {
                        // A word in the headers (segment lengths, addresses) set to an edge value.
                        int at = rng.Next(Math.Min(bytes.Length - 3, 48)) & ~3;
                        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), Interesting[rng.Next(Interesting.Length)]);
                    }

                    break;
                case 4:
                    if (bytes.Length > 1)
                    {
                        bytes[1] = (byte)rng.Next(0, 20);
                    }

                    break;
                default:
                    var insert = new byte[rng.Next(1, 16)];
                    rng.NextBytes(insert);
                    int pos = rng.Next(bytes.Length);
                    bytes = [.. bytes[..pos], .. insert, .. bytes[pos..]];
                    break;
            }
        }

        return bytes;
    }
}
