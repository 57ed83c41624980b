using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EspOta.Delta;

namespace EspOta.Benchmarks.Delta;

/// <summary>
/// Our patches side by side with detools' on the delta vector pairs (the vector patches are detools'
/// output): size ratio, creation time, apply throughput and the applier's allocations. Bounded:
/// a few repetitions per pair.
/// </summary>
/// <remarks>dotnet run -c Release --project bench/EspOta.Benchmarks -- delta [repetitions]</remarks>
internal static class DeltaBenchRun
{
    public static int Run(string[] args)
    {
        int repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        string root = FindVectors();
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "index.json")));
        Console.WriteLine($"| pair | new image | detools patch | our patch | ours/detools | create (ms, median of {repetitions}) | apply MB/s (1 KiB feeds) | applier allocations | saved state |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        double worst = 0;
        foreach (var c in index.RootElement.GetProperty("cases").EnumerateArray())
        {
            string kind = c.GetProperty("kind").GetString()!;
            string name = c.GetProperty("name").GetString()!;
            string patchPath = Path.Combine(root, "patches", name + ".bin");
            if (kind is not ("patch_gen" or "detools") || !File.Exists(patchPath))
            {
                continue;
            }

            var theirs = File.ReadAllBytes(patchPath);
            bool header = c.GetProperty("has_header").GetBoolean();
            if (header)
            {
                theirs = theirs[DeltaOtaHeader.Size..];
            }

            // Only what esp_delta_ota applies: heatshrink 8/7.
            if (theirs[0] != 0x04)
            {
                continue;
            }

            DetoolsSize.TryRead(theirs.AsSpan(1), out _, out int sizeLength);
            if (theirs[1 + sizeLength] != 0x44)
            {
                continue;
            }

            var from = File.ReadAllBytes(Path.Combine(root, "images", c.GetProperty("base").GetString() + ".bin"));
            var to = File.ReadAllBytes(Path.Combine(root, "images", c.GetProperty("new").GetString() + ".bin"));
            var options = new DeltaCreateOptions { EspDeltaOtaHeader = false };
            var times = new List<double>();
            byte[] ours = [];
            for (int r = 0; r < repetitions; r++)
            {
                var clock = Stopwatch.StartNew();
                ours = DeltaPatchCreator.Create(from, to, options);
                times.Add(clock.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            var (throughput, allocated, state) = MeasureApply(from, ours, to.Length, repetitions);
            double ratio = (double)ours.Length / theirs.Length;
            worst = Math.Max(worst, ratio);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {to.Length} | {theirs.Length} | {ours.Length} | {ratio:0.000} | {times[times.Count / 2]:0.0} | {throughput:0.0} | {allocated} B | {state} B |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"worst ours/detools ratio: {worst:0.000} (goal <= 1.05)"));
        return worst <= 1.05 ? 0 : 1;
    }

    private static (double MegabytesPerSecond, long Allocated, int StateBytes) MeasureApply(byte[] from, byte[] patch, int newSize, int repetitions)
    {
        var source = new MemoryDeltaBase(from);
        var target = new DiscardTarget();
        double best = 0;
        long allocated = 0;
        int state = 0;
        for (int r = 0; r < repetitions; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            var applier = new DeltaApplier(source, target, DeltaApplyProfile.EspDeltaOta);
            for (int at = 0; at < patch.Length; at += 1024)
            {
                applier.Process(patch.AsSpan(at, Math.Min(1024, patch.Length - at)));
            }

            applier.Finalize();
            double seconds = clock.Elapsed.TotalSeconds;
            // Everything allocated from construction to finalize (the applier frees nothing in between,
            // so this bounds its peak); the lowest run excludes one-off JIT and runtime allocations.
            long total = GC.GetAllocatedBytesForCurrentThread() - before;
            allocated = r == 0 ? total : Math.Min(allocated, total);
            best = Math.Max(best, newSize / 1e6 / seconds);
            state = applier.SaveState().Length;
        }

        return (best, allocated, state);
    }

    private static string FindVectors()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "vectors", "delta");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("../shared/vectors/delta not found above the benchmark binaries");
    }

    private sealed class DiscardTarget : IDeltaTarget
    {
        public void Write(ReadOnlySpan<byte> data)
        {
        }
    }
}
