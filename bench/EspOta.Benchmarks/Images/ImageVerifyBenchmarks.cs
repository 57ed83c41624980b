using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Benchmarks.Images;

/// <summary>
/// One-pass verification of a 4 MiB app image against a plain SHA-256 of the same bytes (the floor:
/// verification must hash them anyway). Goal (issue 17): verify throughput ≥ 0.95 × SHA-256 throughput.
/// </summary>
[MemoryDiagnoser]
public class ImageVerifyBenchmarks
{
    private const int ImageSize = 4 * 1024 * 1024;
    private byte[] _image = [];
    private string _path = "";
    private FileFlash? _flash;
    private Partition? _partition;

    [GlobalSetup]
    public void Setup()
    {
        // The payload fills the DROM segment so that the image proper is just under 4 MiB.
        _image = new AppImageBuilder(Chip.Esp32).WithPayload(ImageSize - 0x200).Build();
        _path = Path.Combine(Path.GetTempPath(), $"espota-bench-{Environment.ProcessId}.bin");
        var flashImage = new byte[0x10000 + ImageSize];
        flashImage.AsSpan().Fill(0xFF);
        _image.CopyTo(flashImage, 0x10000);
        File.WriteAllBytes(_path, flashImage);
        _flash = FileFlash.Open(_path, readOnly: true);
        _partition = new Partition("ota_0", PartitionType.App, 0x10, 0x10000, ImageSize);
        if (!ImageVerifier.Verify(_image).IsValid || !ImageVerifier.Verify(_flash, _partition).IsValid)
        {
            throw new InvalidOperationException("benchmark image does not verify");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _flash?.Dispose();
        File.Delete(_path);
    }

    [Benchmark(Baseline = true, Description = "SHA256.HashData 4 MiB")]
    public byte[] Sha256() => SHA256.HashData(_image);

    [Benchmark(Description = "ImageVerifier.Verify(span) 4 MiB")]
    public bool VerifyMemory() => ImageVerifier.Verify(_image).IsValid;

    [Benchmark(Description = "ImageVerifier.Verify(FileFlash) 4 MiB")]
    public bool VerifyFileFlash() => ImageVerifier.Verify(_flash!, _partition!).IsValid;

    [Benchmark(Description = "ImageChecksum.Compute 4 MiB")]
    public byte Checksum() => ImageChecksum.Compute(_image);

    [Benchmark(Description = "AppImage.Parse(span) 4 MiB")]
    public int Parse() => AppImage.Parse(_image).Segments.Count;
}
