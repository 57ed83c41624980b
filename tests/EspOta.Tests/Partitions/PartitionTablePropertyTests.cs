using CsCheck;
using EspOta.Partitions;
using Xunit.Abstractions;

namespace EspOta.Tests.Partitions;

/// <summary>Round-trip and robustness properties of the table codecs (CsCheck; a failure prints its seed).</summary>
public sealed class PartitionTablePropertyTests(ITestOutputHelper output)
{
    private const int Iterations = 300;

    private static readonly string[] NamePrefixes = ["p", "nvs", "app_", "ota_x", "Ω", "data.", "f-"];
    private static readonly byte[] DataSubtypes =
    [
        PartitionSubtypes.DataPhy, PartitionSubtypes.DataNvsKeys, PartitionSubtypes.DataEfuse, PartitionSubtypes.DataUndefined,
        PartitionSubtypes.DataEspHttpd, PartitionSubtypes.DataFat, PartitionSubtypes.DataSpiffs, PartitionSubtypes.DataLittleFs, 0x40, 0x7F, 0xFE,
    ];

    private sealed record RowSpec(int Kind, int Pick, int Units, int Gap, bool Encrypted, bool ReadOnly, int Prefix);

    private static readonly Gen<RowSpec> RowSpecs =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 255], Gen.Int[1, 64], Gen.Int[0, 3], Gen.Bool, Gen.Bool, Gen.Int[0, NamePrefixes.Length - 1])
            .Select(t => new RowSpec(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item7));

    /// <summary>Tables that gen_esp32part accepts: aligned, ordered, unique names, one otadata, NVS rules.</summary>
    private static readonly Gen<(PartitionTable Table, int Seed)> ValidTables =
        Gen.Select(RowSpecs.Array[0, 40], Gen.Bool, Gen.Int)
            .Select(t => (Build(t.Item1, t.Item2), t.Item3));

    [Fact]
    public void CsvRoundTrip_AnyValidTable_ParsesToEqualTable()
    {
        ValidTables.Sample(t =>
        {
            var options = new PartitionTableOptions { DisableMd5 = !t.Table.HasMd5 };
            t.Table.Validate(options);
            var parsed = PartitionTable.FromCsv(t.Table.ToCsv(), options);
            Assert.Equal(t.Table.Partitions, parsed.Partitions);
            Assert.Equal(t.Table.HasMd5, parsed.HasMd5);
        }, iter: Iterations, writeLine: output.WriteLine);
    }

    [Fact]
    public void BinaryRoundTrip_AnyValidTable_IsByteForByte()
    {
        ValidTables.Sample(t =>
        {
            byte[] bin = t.Table.ToBinary();
            Assert.Equal(PartitionTable.MaxLength, bin.Length);
            var parsed = PartitionTable.FromBinary(bin);
            Assert.Equal(t.Table.Partitions, parsed.Partitions);
            Assert.Equal(t.Table.HasMd5, parsed.HasMd5);
            Assert.Equal(bin, parsed.ToBinary());
        }, iter: Iterations, writeLine: output.WriteLine);
    }

    [Fact]
    public void FromBinary_SingleByteCorruption_IsRejectedOrRoundTrips()
    {
        Gen.Select(ValidTables, Gen.Int[0, 1023], Gen.Byte).Sample(t =>
        {
            var (table, _) = t.Item1;
            byte[] bin = table.ToBinary();
            int span = Math.Min(bin.Length, (table.Partitions.Count + 2) * PartitionTable.EntrySize);
            int at = t.Item2 % span;
            bin[at] = t.Item3 == bin[at] ? (byte)~t.Item3 : t.Item3;
            PartitionTable parsed;
            try
            {
                parsed = PartitionTable.FromBinary(bin);
                parsed.Validate(new PartitionTableOptions { DisableMd5 = !parsed.HasMd5 });
            }
            catch (PartitionTableException)
            {
                return;
            }

            // Accepted: the table it means must survive a write and a read unchanged.
            byte[] again = parsed.ToBinary();
            var reparsed = PartitionTable.FromBinary(again);
            Assert.Equal(parsed.Partitions, reparsed.Partitions);
            Assert.Equal(again, reparsed.ToBinary());
        }, iter: Iterations * 3, writeLine: output.WriteLine);
    }

    private static PartitionTable Build(RowSpec[] specs, bool md5)
    {
        var rows = new List<Partition>();
        long next = PartitionTable.DefaultOffset + PartitionTable.SectorSize;
        bool haveOtaData = false;
        for (int i = 0; i < specs.Length && i < 94; i++)
        {
            var s = specs[i];
            PartitionType type;
            byte subtype;
            long size;
            bool readOnly = s.ReadOnly;
            switch (s.Kind)
            {
                case 0:
                    type = PartitionType.App;
                    subtype = (s.Pick % 4) switch
                    {
                        0 => PartitionSubtypes.AppFactory,
                        1 => PartitionSubtypes.AppTest,
                        2 => (byte)(PartitionSubtypes.AppTeeMin + s.Pick % 2),
                        _ => (byte)(PartitionSubtypes.AppOtaMin + s.Pick % 16),
                    };
                    size = s.Units * 0x1000L;
                    break;
                case 1:
                    type = PartitionType.Data;
                    subtype = PartitionSubtypes.DataNvs;
                    size = s.Units * 0x1000L / 2 + 1;
                    readOnly |= size < 0x3000;
                    break;
                case 2 when !haveOtaData:
                    haveOtaData = true;
                    type = PartitionType.Data;
                    subtype = PartitionSubtypes.DataOta;
                    size = 0x2000;
                    readOnly = false;
                    break;
                case 3:
                    type = PartitionType.Data;
                    subtype = PartitionSubtypes.DataCoredump;
                    size = s.Units * 0x1000L;
                    readOnly = false;
                    break;
                case 4:
                    type = (PartitionType)(0x04 + s.Pick % 0xFB);
                    subtype = (byte)(s.Pick * 7);
                    size = s.Units * 0x321L;
                    break;
                default:
                    type = PartitionType.Data;
                    subtype = DataSubtypes[s.Pick % DataSubtypes.Length];
                    size = s.Units * 0x400L;
                    break;
            }

            long align = type == PartitionType.App ? PartitionTable.AppAlignment : PartitionTable.SectorSize;
            long offset = (next + align - 1) / align * align + s.Gap * align;
            var flags = (s.Encrypted ? PartitionFlags.Encrypted : 0) | (readOnly ? PartitionFlags.ReadOnly : 0);
            rows.Add(new Partition($"{NamePrefixes[s.Prefix]}{i}", type, subtype, (uint)offset, (uint)size, flags));
            next = offset + size;
        }

        return new PartitionTable(rows, md5);
    }
}
