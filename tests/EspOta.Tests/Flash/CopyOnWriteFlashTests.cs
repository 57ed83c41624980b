using CsCheck;
using EspOta.Flash;

namespace EspOta.Tests.Flash;

/// <summary>
/// <see cref="CopyOnWriteFlash"/> must be indistinguishable from a <see cref="MemoryFlash"/> holding the
/// same bytes: random sequences of reads, writes (NOR-legal and not, strict and lax), erases and power
/// cuts (<see cref="FaultInjectingFlash"/> plans, half-erased sectors included) give the same results,
/// the same exceptions, the same contents and the same statistics after every step.
/// </summary>
public sealed class CopyOnWriteFlashTests
{
    private const int Iterations = 400;

    [Fact]
    public void RandomOperations_BehaveExactlyAsMemoryFlash()
    {
        Gen.Select(Gen.Int, Gen.Int[1, 80]).Sample((seed, steps) => Compare(seed, steps), iter: Iterations);
    }

    [Fact]
    public void ManyChips_ShareTheBase_AndCostOnlyTheSectorsTheyWrote()
    {
        var image = new byte[64 * 1024];
        new Random(7).NextBytes(image);
        var shared = new FlashBaseImage(image, 1024 * 1024);
        var chips = Enumerable.Range(0, 100).Select(_ => new CopyOnWriteFlash(shared)).ToArray();

        chips[3].Erase(0x20000, 0x3000); // erasing needs no copy
        chips[3].Write(0x20010, [0x12, 0x34]);
        chips[5].Write(0x1000, new byte[10]);

        Assert.Equal(1, chips[3].OwnSectors);
        Assert.Equal(1, chips[5].OwnSectors);
        Assert.All(chips.Where((_, i) => i is not 3 and not 5), c => Assert.Equal(0, c.OwnSectors));
        var read = new byte[16];
        chips[4].Read(0x1000, read);
        Assert.Equal(image.AsSpan(0x1000, 16).ToArray(), read); // untouched by chip 5's write
        Assert.Equal(image, shared.Contents[..image.Length].ToArray());
    }

    [Fact]
    public void Write_SettingABitAcrossSectors_ChangesNothingAndNamesTheFirstByte()
    {
        var shared = new FlashBaseImage(new byte[0x2000]);
        var flash = new CopyOnWriteFlash(shared);
        flash.Erase(0, 0x1000);

        // The first sector (erased) would take the bytes; the second (all zero) refuses at 0x1000.
        var error = Assert.Throws<FlashProgramException>(() => flash.Write(0xFF0, Enumerable.Repeat((byte)0x0F, 0x20).ToArray()));

        Assert.Equal((0x1000L, (byte)0x00, (byte)0x0F), (error.Address, error.Current, error.Requested));
        var first = new byte[0x10];
        flash.Read(0xFF0, first);
        Assert.All(first, b => Assert.Equal(0xFF, b));
        Assert.Equal(0, flash.OwnSectors);
    }

    private static void Compare(int seed, int steps)
    {
        var random = new Random(seed);
        int sectorSize = random.Next(3) == 0 ? 0x1000 : 0x100;
        int sectors = random.Next(1, 12);
        long size = (long)sectorSize * sectors;
        bool strict = random.Next(4) != 0;
        var image = new byte[random.Next(0, (int)size + 1)];
        random.NextBytes(image);
        for (int i = 0; i < image.Length; i++)
        {
            // Mostly erased with islands of data, as a flash image is.
            if (random.Next(3) == 0)
            {
                image[i] = 0xFF;
            }
        }

        var memory = new MemoryFlash(size, sectorSize, strict);
        memory.Write(0, image);
        memory.Statistics.Reset();
        var cow = new CopyOnWriteFlash(new FlashBaseImage(image, size, sectorSize), strict);
        var a = new FaultInjectingFlash(memory);
        var b = new FaultInjectingFlash(cow);
        for (int step = 0; step < steps; step++)
        {
            string where = $"seed {seed}, step {step}";
            int op = random.Next(10);
            if (op == 0 && !a.PowerLost)
            {
                var plan = random.Next(2) == 0
                    ? FaultPlan.AtOperation(a.OperationCount + random.Next(4), random.Next(0, 600), random.Next(0, 4), random.Next(2) == 0, random.Next())
                    : FaultPlan.AfterBytesWritten(random.Next(0, 800), random.Next(0, (int)size), random.Next(1, (int)size + 1));
                a.Arm(plan);
                b.Arm(plan);
                continue;
            }

            if (op == 1 && a.PowerLost)
            {
                a.PowerOn();
                b.PowerOn();
                continue;
            }

            long address = random.NextInt64(0, size);
            int length = (int)Math.Min(size - address, random.Next(0, 2 * sectorSize + 3));
            Func<IFlash, byte[]?> action;
            if (op < 5)
            {
                action = f =>
                {
                    var bytes = new byte[length];
                    f.Read(address, bytes);
                    return bytes;
                };
            }
            else if (op < 8)
            {
                var data = new byte[length];
                random.NextBytes(data);
                if (random.Next(3) != 0)
                {
                    // Mostly NOR-legal: only clear bits that are set now.
                    var now = memory.Contents.Slice((int)address, length);
                    for (int i = 0; i < length; i++)
                    {
                        data[i] &= now[i];
                    }
                }

                action = f =>
                {
                    f.Write(address, data);
                    return null;
                };
            }
            else
            {
                // Sometimes misaligned, to compare the argument errors too.
                long start = random.Next(8) == 0 ? address : address / sectorSize * sectorSize;
                long count = random.Next(8) == 0 ? random.Next(1, sectorSize) : (long)random.Next(0, sectors - (int)(start / sectorSize) + 1) * sectorSize;
                action = f =>
                {
                    f.Erase(start, count);
                    return null;
                };
            }

            var (expected, expectedError) = Run(a, action);
            var (actual, actualError) = Run(b, action);
            Assert.True(Describe(expectedError) == Describe(actualError), $"{where}: {Describe(actualError)}, MemoryFlash {Describe(expectedError)}");
            Assert.True(expected is null == actual is null && (expected is null || expected.AsSpan().SequenceEqual(actual)), $"{where}: read differs");
            Assert.True(Statistics(memory.Statistics) == Statistics(cow.Statistics), $"{where}: statistics {Statistics(cow.Statistics)}, MemoryFlash {Statistics(memory.Statistics)}");
            var whole = new byte[size];
            cow.Read(0, whole);
            memory.Read(0, new byte[size]);
            Assert.True(memory.Contents.SequenceEqual(whole), $"{where}: contents differ");
        }
    }

    private static (byte[]? Result, Exception? Error) Run(IFlash flash, Func<IFlash, byte[]?> action)
    {
        try
        {
            return (action(flash), null);
        }
        catch (Exception e) when (e is FlashProgramException or PowerLossException or ArgumentException)
        {
            return (null, e);
        }
    }

    private static string Describe(Exception? error) => error switch
    {
        null => "ok",
        FlashProgramException p => $"program 0x{p.Address:x} {p.Current:x2}<-{p.Requested:x2}",
        PowerLossException l => $"power {l.OperationIndex} {l.Operation} 0x{l.Address:x} {l.CompletedBytes}",
        ArgumentException e => $"{e.GetType().Name} {e.ParamName}",
        _ => error.GetType().Name,
    };

    private static string Statistics(FlashStatistics s) =>
        $"{s.Reads}/{s.Writes}/{s.Erases}/{s.BytesRead}/{s.BytesWritten}/{s.SectorsErased}/{string.Join(",", s.EraseCounts.ToArray())}";
}
