using System.Numerics;

namespace EspOta.Partitions;

/// <summary>
/// The checks of <c>gen_esp32part.py</c> v5.5.5 (<c>PartitionTable.verify</c>,
/// <c>PartitionDefinition.verify</c>, <c>verify_size_fits</c>), in the tool's order and with its wording.
/// The first problem is thrown; warnings go to the log.
/// </summary>
internal static class PartitionValidation
{
    private const long NvsReadWriteMinSize = 0x3000;
    private const long OtaDataSize = 0x2000;

    public static void Verify(IReadOnlyList<PartitionRow> rows, PartitionTableOptions options, PartitionKeywords keywords, ToolLog log)
    {
        foreach (var row in rows)
        {
            VerifyRow(row, options, keywords, log);
        }

        var duplicates = rows.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        if (duplicates.Count > 0)
        {
            var lines = new List<string> { "A list of partitions that have the same name:" };
            lines.AddRange(rows.OrderBy(r => r.Name, CodePointComparer.Instance).Where(r => duplicates.Contains(r.Name)).Select(r => PartitionCsv.FormatRow(r, keywords)));
            lines.Add("Partition names must be unique");
            throw Fail(lines, rows.First(r => duplicates.Contains(r.Name)));
        }

        // Like the tool, each row is only compared with its predecessor in offset order.
        PartitionRow? last = null;
        foreach (var row in rows.OrderBy(r => r.OffsetValue))
        {
            if (row.OffsetValue < options.TableEnd && !PartitionCsv.IsPrimaryBootloaderOrTable(row, keywords))
            {
                throw Fail([$"Partition offset 0x{PythonText.Hex(row.OffsetValue)} is below 0x{PythonText.Hex(options.TableEnd)}"], row);
            }

            if (last is not null && row.OffsetValue < last.OffsetValue + last.Size)
            {
                throw Fail(
                    [$"Partition at 0x{PythonText.Hex(row.OffsetValue)} overlaps 0x{PythonText.Hex(last.OffsetValue)}-0x{PythonText.Hex(last.OffsetValue + last.Size - 1)}"],
                    row);
            }

            last = row;
        }

        CheckSingleOtaData(rows, keywords, "ota",
            "Found multiple otadata partitions. Only one partition can be defined with type=\"data\"(1) and subtype=\"ota\"(0).",
            "otadata partition must have size = 0x2000");
        CheckSingleOtaData(rows, keywords, "tee_ota",
            "Found multiple TEE otadata partitions. Only one partition can be defined with type=\"data\"(1) and subtype=\"tee_ota\"(0x90).",
            "TEE otadata partition must have size = 0x2000");
    }

    public static void VerifySizeFits(IReadOnlyList<PartitionRow> rows, long flashSize)
    {
        // The tool takes the row with the highest offset (the first such in table order), not the highest end.
        long tableSize = rows.Count == 0 ? 0 : rows.OrderByDescending(r => r.OffsetValue).Select(r => r.OffsetValue + r.Size).First();
        if (flashSize < tableSize)
        {
            const long mb = 1024 * 1024;
            throw new PartitionTableException(
                $"Partitions tables occupies {FormatMegabytes(tableSize)}MB of flash ({PythonText.Dec(tableSize)} bytes) which does not fit in configured " +
                $"flash size {PythonText.Dec(flashSize / mb)}MB. Change the flash size in menuconfig under the 'Serial Flasher Config' menu.");
        }
    }

    private static void VerifyRow(PartitionRow row, PartitionTableOptions options, PartitionKeywords keywords, ToolLog log)
    {
        long offsetAlign = row.Type == (long)PartitionType.App ? PartitionTable.AppAlignment : PartitionTable.SectorSize;
        if (row.OffsetValue % offsetAlign != 0)
        {
            throw Invalid(row, $"Offset 0x{PythonText.Hex(row.OffsetValue)} is not aligned to 0x{PythonText.Hex(offsetAlign)}");
        }

        if (row.Type == (long)PartitionType.App)
        {
            long sizeAlign = options.Secure == SecureBootMode.V1 ? PartitionTable.AppAlignment : PartitionTable.SectorSize;
            if (row.Size % sizeAlign != 0)
            {
                throw Invalid(row, $"Size 0x{PythonText.Hex(row.Size)} is not aligned to 0x{PythonText.Hex(sizeAlign)}");
            }
        }

        if (PartitionKeywords.TryGetType(row.Name, out long namedType) && namedType != row.Type)
        {
            log.Warn($"WARNING: Partition has name '{row.Name}' which is a partition type, but does not match this partition's type (0x{PythonText.Hex(row.Type)}). Mistake in partition table?");
        }

        if (keywords.IsAnySubtypeName(row.Name) && !(keywords.TryGetSubtype(row.Type, row.Name, out long namedSubtype) && namedSubtype == row.Subtype))
        {
            log.Warn($"WARNING: Partition has name '{row.Name}' which is a partition subtype, but this partition has non-matching type 0x{PythonText.Hex(row.Type)} and subtype 0x{PythonText.Hex(row.Subtype)}. Mistake in partition table?");
        }

        const long data = (long)PartitionType.Data;
        if (row.Type == data && row.ReadOnly &&
            (row.Subtype == keywords.Subtype(data, "ota") || row.Subtype == keywords.Subtype(data, "coredump")))
        {
            throw Invalid(row, $"'{row.Name}' partition of type {PythonText.Dec(row.Type)} and subtype {PythonText.Dec(row.Subtype)} is always read-write and cannot be read-only");
        }

        if (row.Type == data && row.Subtype == keywords.Subtype(data, "nvs") && row.Size < NvsReadWriteMinSize && !row.ReadOnly)
        {
            throw Invalid(row,
                $"'{row.Name}' partition of type {PythonText.Dec(row.Type)} and subtype {PythonText.Dec(row.Subtype)} of this size (0x{PythonText.Hex(row.Size)}) " +
                $"must be flagged as 'readonly' (the size of read/write NVS has to be at least 0x{PythonText.Hex(NvsReadWriteMinSize)})");
        }
    }

    private static void CheckSingleOtaData(IReadOnlyList<PartitionRow> rows, PartitionKeywords keywords, string subtypeName, string multipleMessage, string sizeMessage)
    {
        const long data = (long)PartitionType.Data;
        long subtype = keywords.Subtype(data, subtypeName);
        var found = rows.Where(r => r.Type == data && r.Subtype == subtype).ToList();
        if (found.Count > 1)
        {
            throw Fail([.. found.Select(r => PartitionCsv.FormatRow(r, keywords)), multipleMessage], found[1]);
        }

        if (found.Count == 1 && found[0].Size != OtaDataSize)
        {
            throw Fail([PartitionCsv.FormatRow(found[0], keywords), sizeMessage], found[0]);
        }
    }

    private static PartitionTableException Invalid(PartitionRow row, string message) =>
        Fail([$"Partition {row.Name} invalid: {message}"], row);

    // The tool prints some rows before the message; they are part of the message here.
    private static PartitionTableException Fail(IEnumerable<string> lines, PartitionRow row) =>
        new(string.Join("\n", lines), row.BinaryOffset >= 0 ? row.BinaryOffset : null, row.Line > 0 ? row.Line : null);

    // Python's '%.1f' % (n / 1048576): the quotient is exact in binary, so round half to even on it.
    private static string FormatMegabytes(long bytes)
    {
        var tenths = BigInteger.Abs(bytes) * 10;
        var q = tenths >> 20;
        var r = tenths & ((1 << 20) - 1);
        const int half = 1 << 19;
        if (r > half || (r == half && !q.IsEven))
        {
            q += 1;
        }

        return (bytes < 0 ? "-" : "") + (q / 10).ToString() + "." + (q % 10).ToString();
    }

    /// <summary>Python's string order: by code point, not by UTF-16 unit.</summary>
    private sealed class CodePointComparer : IComparer<string>
    {
        public static readonly CodePointComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").EnumerateRunes();
            var b = (y ?? "").EnumerateRunes();
            while (true)
            {
                bool hasA = a.MoveNext();
                bool hasB = b.MoveNext();
                if (!hasA || !hasB)
                {
                    return hasA ? 1 : hasB ? -1 : 0;
                }

                int c = a.Current.Value.CompareTo(b.Current.Value);
                if (c != 0)
                {
                    return c;
                }
            }
        }
    }
}
