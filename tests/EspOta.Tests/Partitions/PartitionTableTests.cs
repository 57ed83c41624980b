using System.Text;
using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Tests.Partitions;

/// <summary>
/// API-level tests. Every expected value or message here was produced by running gen_esp32part.py
/// v5.5.5 on the same input (CSV or struct-packed binary), not worked out by hand.
/// </summary>
public sealed class PartitionTableTests
{
    private static byte[] VectorBin(string name) => File.ReadAllBytes(Vectors.PathOf("partition-tables", "valid", name + ".bin"));

    [Fact]
    public void ReadFromFlash_TableWrittenAtOffset_ReadsSameRows()
    {
        byte[] bin = VectorBin("idf__partition_table__partitions_two_ota_large");
        var flash = new MemoryFlash(0x400000);
        flash.Write(PartitionTable.DefaultOffset, bin);
        var table = PartitionTable.ReadFromFlash(flash);
        Assert.Equal(PartitionTable.FromBinary(bin).Partitions, table.Partitions);
        Assert.True(table.HasMd5);
        Assert.Equal(2, table.Find(PartitionType.App).Count(p => p.IsOtaSlot));
        Assert.Equal("otadata", table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta)!.Label);
    }

    [Fact]
    public void ToBinary_95RowsWithoutMd5_FitsAnd95WithMd5_IsRejected()
    {
        var rows = Enumerable.Range(0, 95).Select(i => new Partition($"p{i}", PartitionType.Data, PartitionSubtypes.DataFat, (uint)(0x9000 + i * 0x1000), 0x1000)).ToList();
        Assert.Equal(95, new PartitionTable(rows, hasMd5: false).MaxEntries);
        Assert.Equal(PartitionTable.MaxLength, new PartitionTable(rows, hasMd5: false).ToBinary().Length);
        var error = Assert.Throws<PartitionTableException>(() => new PartitionTable(rows, hasMd5: true).ToBinary());
        Assert.Contains("Binary partition table length (3072) longer than max", error.Message, StringComparison.Ordinal);
        Assert.Equal(PartitionTable.MaxLength, new PartitionTable(rows.Take(94), hasMd5: true).ToBinary().Length);
    }

    [Fact]
    public void FromBinary_Md5RowWithMd5Disabled_IsRejectedAtThatRow()
    {
        // With MD5 off the EB EB row is an entry: the tool fails decoding its "name" (0xFF bytes).
        byte[] bin = VectorBin("idf__partition_table__partitions_singleapp");
        var error = Assert.Throws<PartitionTableException>(() =>
            PartitionTable.FromBinary(bin, new PartitionTableOptions { DisableMd5 = true }, null));
        Assert.Equal(3 * PartitionTable.EntrySize + 12, error.Offset);

        // With a decodable name, it is the magic that is wrong.
        bin.AsSpan(3 * PartitionTable.EntrySize + 12, 16).Fill((byte)'a');
        error = Assert.Throws<PartitionTableException>(() =>
            PartitionTable.FromBinary(bin, new PartitionTableOptions { DisableMd5 = true }, null));
        Assert.Equal(@"Invalid magic bytes (b'\xeb\xeb') for partition definition", error.Message);
    }

    [Fact]
    public void FromBinary_UnknownFlagBits_KeepsThemAndWarns()
    {
        byte[] bin = VectorBin("bin_unknown_flag_bits");
        var warnings = new List<string>();
        var table = PartitionTable.FromBinary(bin, null, warnings);
        Assert.Equal(2, warnings.Count);
        Assert.Equal(bin.AsSpan(0, table.Partitions.Count * PartitionTable.EntrySize).ToArray(),
            new PartitionTable(table.Partitions, hasMd5: false).ToBinary().AsSpan(0, table.Partitions.Count * PartitionTable.EntrySize).ToArray());
    }

    [Fact]
    public void FromCsv_LabelOver16Bytes_IsCutInTheBinaryLikeTheTool()
    {
        var table = PartitionTable.FromCsv("abcdefghijklmnopqrst, data, fat, , 0x1000\n");
        Assert.Equal("abcdefghijklmnopqrst", table.Partitions[0].Label);
        Assert.Equal("abcdefghijklmnop", PartitionTable.FromBinary(table.ToBinary()).Partitions[0].Label);
    }

    [Fact]
    public void FromCsv_EnvironmentVariables_AreExpanded()
    {
        var options = new PartitionTableOptions { Environment = name => name == "NVS_SIZE" ? "0x6000" : null };
        var table = PartitionTable.FromCsv("nvs, data, nvs, , $NVS_SIZE\nfactory, app, factory, , ${NVS_SIZE}k\n", options);
        Assert.Equal(0x6000u, table.Partitions[0].Size);
        Assert.Equal(0x6000u * 1024, table.Partitions[1].Size);
        var error = Assert.Throws<PartitionTableException>(() => PartitionTable.FromCsv("$UNSET_NAME, data, nvs, , 0x6000\n", options));
        Assert.Equal("unknown variable 'UNSET_NAME'", error.Message);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void FromCsv_NegativeSize_IsTheEndAddress()
    {
        var table = PartitionTable.FromCsv("nvs, data, nvs, , 0x6000\nfactory, app, factory, , -0x400000\n");
        Assert.Equal(0x10000u, table.Partitions[1].Offset);
        Assert.Equal(0x3F0000u, table.Partitions[1].Size);
    }

    [Fact]
    public void FromCsv_ErrorOnLine_CarriesTheLineNumber()
    {
        var error = Assert.Throws<PartitionTableException>(() => PartitionTable.FromCsv("# c\n\nnvs, dta, nvs, , 0x6000\n"));
        Assert.Equal(3, error.Line);
        Assert.StartsWith("Error at line 3: Value 'dta' is not valid.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BinaryWithOverlap_ReportsOffset()
    {
        var table = new PartitionTable(
        [
            new Partition("a", PartitionType.Data, PartitionSubtypes.DataFat, 0x9000, 0x3000),
            new Partition("b", PartitionType.Data, PartitionSubtypes.DataFat, 0xA000, 0x1000),
        ]);
        var error = Assert.Throws<PartitionTableException>(() => table.Validate());
        Assert.Equal("Partition at 0xa000 overlaps 0x9000-0xbfff", error.Message);
        Assert.Equal(PartitionTable.EntrySize, error.Offset);
    }

    [Fact]
    public void Keywords_ExtraSubtypes_ParseAndPrint()
    {
        var options = new PartitionTableOptions { ExtraPartitionSubtypes = ["app,my_app,0x40"] };
        var table = PartitionTable.FromCsv("my, app, my_app, 0x10000, 64K\n", options);
        Assert.Equal(0x40, table.Partitions[0].Subtype);
        Assert.Contains("my,app,my_app,0x10000,64K,", table.ToCsv(options), StringComparison.Ordinal);
        Assert.Contains("my,app,64,0x10000,64K,", table.ToCsv(), StringComparison.Ordinal);
        Assert.Throws<PartitionTableException>(() => PartitionKeywords.WithExtraSubtypes(["nope,x,0x00"]));
    }

    [Fact]
    public void Convert_Utf16Csv_IsDecodedFromItsBom()
    {
        byte[] utf8 = File.ReadAllBytes(Vectors.PathOf("partition-tables", "valid", "idf__partition_table__partitions_two_ota_large.csv"));
        byte[] utf16 = [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(utf8))];
        Assert.Equal(VectorBin("idf__partition_table__partitions_two_ota_large"), PartitionTableConverter.Convert(utf16).Output);
    }
}
