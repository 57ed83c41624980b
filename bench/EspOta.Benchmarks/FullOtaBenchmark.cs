using BenchmarkDotNet.Attributes;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Updates;
using EspOta.Layout;

namespace EspOta.Benchmarks;

/// <summary>
/// A complete OTA of a 1.5 MiB app into <see cref="MemoryFlash"/>: begin (erase) / write in 4 KiB chunks /
/// end (verify) / set boot partition (verify again) / reboot (the bootloader verifies and loads it).
/// Each invocation first restores the pristine flash (one 4 MiB copy) and boots the old app.
/// </summary>
[MemoryDiagnoser]
public class FullOtaBenchmark
{
    private const int ChunkSize = 4096;
    private const int ImageTarget = 1536 * 1024;

    private MemoryFlash _pristine = null!;
    private MemoryFlash _flash = null!;
    private byte[] _image = null!;

    [GlobalSetup]
    public void Setup()
    {
        var table = FlashLayout.WithSlots(0, 2, 0x1F0000);
        var old = new AppImageBuilder(Chip.Esp32C3).WithVersion("old").WithPayload(64 * 1024).Build();
        _pristine = FlashImage.Compose(table, null, [("ota_0", old)], new FlashComposeOptions { Size = 4 * 1024 * 1024 }).ToFlash();
        var builder = new AppImageBuilder(Chip.Esp32C3).WithVersion("new");
        int overhead = builder.Build().Length;
        _image = builder.WithPayload(ImageTarget - overhead).Build();
        _flash = _pristine.Clone();

        var traffic = MeasureTraffic();
        Console.WriteLine($"// image {_image.Length} bytes; during begin..reboot: {traffic}");
    }

    [Benchmark]
    public BootResult FullOta() => RunOnce(_flash);

    /// <summary>Flash traffic of one OTA (after the initial boot), per byte of image.</summary>
    public string MeasureTraffic()
    {
        var flash = _pristine.Clone();
        var device = EspDevice.Open(flash, new BootOptions { Rollback = true });
        device.Reboot();
        flash.Statistics.Reset();
        UpdateAndReboot(device);
        var s = flash.Statistics;
        return $"bytes read {s.BytesRead} ({(double)s.BytesRead / _image.Length:F2} x image), bytes written {s.BytesWritten} ({(double)s.BytesWritten / _image.Length:F2} x image), " +
               $"reads {s.Reads}, writes {s.Writes}, erases {s.Erases} ({s.SectorsErased} sectors)";
    }

    private BootResult RunOnce(MemoryFlash flash)
    {
        flash.RestoreFrom(_pristine);
        var device = EspDevice.Open(flash, new BootOptions { Rollback = true });
        device.Reboot();
        return UpdateAndReboot(device);
    }

    private BootResult UpdateAndReboot(EspDevice device)
    {
        var ota = device.Ota;
        var next = ota.GetNextUpdatePartition()!;
        using (var update = ota.Begin(next, OtaImageSize.Unknown))
        {
            for (int at = 0; at < _image.Length; at += ChunkSize)
            {
                update.Write(_image.AsSpan(at, Math.Min(ChunkSize, _image.Length - at)));
            }

            update.End();
        }

        ota.SetBootPartition(next);
        var boot = device.Reboot();
        if (boot.Booted != next)
        {
            throw new InvalidOperationException($"expected to boot {next.Label}, booted {boot.Booted?.Label ?? "nothing"}");
        }

        return boot;
    }
}
