using System.Text;
using BenchmarkDotNet.Attributes;
using EspOta.Partitions;

namespace EspOta.Benchmarks;

/// <summary>
/// gen_esp32part work on the largest table the format allows: 95 entries (0xC00 bytes leave room for
/// 95 rows plus the end marker only without the MD5 row; with it the limit is 94).
/// </summary>
[MemoryDiagnoser]
public class PartitionTableBenchmarks
{
    private const int Entries = 95;

    private static readonly PartitionTableOptions Options = new() { DisableMd5 = true };

    private byte[] _csv = [];
    private byte[] _binary = [];

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder("# Name, Type, SubType, Offset, Size, Flags\n");
        sb.Append("nvs, data, nvs, , 0x6000,\n");
        sb.Append("otadata, data, ota, , 0x2000,\n");
        sb.Append("phy_init, data, phy, , 0x1000,\n");
        for (int i = 0; i < 16; i++)
        {
            sb.Append($"ota_{i}, app, ota_{i}, , 0x40000,\n");
        }

        for (int i = sb.ToString().Count(c => c == '\n') - 1; i < Entries; i++)
        {
            sb.Append($"storage_{i}, data, {(i % 2 == 0 ? "spiffs" : "fat")}, , 0x{0x1000 * (1 + i % 4):x}, {(i % 3 == 0 ? "encrypted" : "")}\n");
        }

        _csv = Encoding.UTF8.GetBytes(sb.ToString());
        var result = PartitionTableConverter.Convert(_csv, Options);
        if (result.Table.Partitions.Count != Entries)
        {
            throw new InvalidOperationException($"expected {Entries} rows, got {result.Table.Partitions.Count}");
        }

        _binary = result.Output;
    }

    /// <summary>CSV text → parse, automatic offsets, validate, pack the 0xC00-byte binary.</summary>
    [Benchmark]
    public byte[] CsvToBinary() => PartitionTableConverter.Convert(_csv, Options).Output;

    /// <summary>Binary → parse, validate, print the CSV the tool prints.</summary>
    [Benchmark]
    public byte[] BinaryToCsv() => PartitionTableConverter.Convert(_binary, Options).Output;
}
