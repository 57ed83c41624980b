using BenchmarkDotNet.Attributes;
using EspOta.Flash;

namespace EspOta.Benchmarks;

/// <summary>
/// Programming a 4 MiB flash image file the way a flasher does it: for each 4 KiB sector, erase then
/// write. Throughput (MB/s) = 4 MiB / mean time.
/// </summary>
public class FileFlashBenchmarks
{
    private const int ImageSize = 4 * 1024 * 1024;
    private const int Chunk = 4096;

    private readonly byte[] _image = new byte[ImageSize];
    private string _path = "";
    private FileFlash? _flash;

    [GlobalSetup]
    public void Setup()
    {
        new Random(42).NextBytes(_image);
        _path = Path.Combine(Path.GetTempPath(), $"espota-bench-{Guid.NewGuid():N}.bin");
        _flash = FileFlash.Open(_path, size: ImageSize, create: true);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _flash?.Dispose();
        File.Delete(_path);
    }

    [Benchmark]
    public void EraseAndWrite4MiBIn4KiBChunks()
    {
        var flash = _flash!;
        for (int at = 0; at < ImageSize; at += Chunk)
        {
            flash.Erase(at, Chunk);
            flash.Write(at, _image.AsSpan(at, Chunk));
        }
    }
}
