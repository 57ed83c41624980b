using System.Numerics;
using System.Text;

namespace EspOta.Partitions;

/// <summary>
/// The CSV dialect of <c>gen_esp32part.py</c> v5.5.5 (<c>PartitionTable.from_csv</c> and
/// <c>PartitionDefinition.from_csv</c>): decoding, <c>$VAR</c> expansion, fields, numbers with K/M
/// suffixes, keywords, automatic offsets, and the binary-to-CSV writer.
/// </summary>
internal static class PartitionCsv
{
    public const string HeaderLine1 = "# ESP-IDF Partition Table";
    public const string HeaderLine2 = "# Name, Type, SubType, Offset, Size, Flags";

    private const string ExtraSubtypesHint = "Please check extra_partition_subtypes.inc file in build/config directory";

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];
    private static ReadOnlySpan<byte> Utf16LeBom => [0xFF, 0xFE];
    private static ReadOnlySpan<byte> Utf16BeBom => [0xFE, 0xFF];
    private static ReadOnlySpan<byte> Utf32BeBom => [0x00, 0x00, 0xFE, 0xFF];

    // Values beyond this cannot be packed anyway; the cap keeps offset + size arithmetic exact in a long.
    private const long MaxMagnitude = 1L << 62;

    /// <summary>
    /// Whether <paramref name="data"/> is binary rather than CSV text: no byte-order mark, and a NUL
    /// byte or bytes that are not UTF-8 within its first 4 KiB (the tool's codec sniffing only looks at BOMs).
    /// </summary>
    public static bool LooksBinary(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(Utf8Bom) || data.StartsWith(Utf16LeBom) || data.StartsWith(Utf16BeBom) || data.StartsWith(Utf32BeBom))
        {
            return false;
        }

        var head = data[..Math.Min(data.Length, 4096)];
        if (head.Contains((byte)0))
        {
            return true;
        }

        // Text in a legacy code page is not UTF-8 either, but has (almost) no control characters;
        // that one gets the decoder's error, as from the tool.
        var status = System.Text.Unicode.Utf8.ToUtf16(head, new char[head.Length], out _, out _, replaceInvalidSequences: false, isFinalBlock: head.Length == data.Length);
        if (status != System.Buffers.OperationStatus.InvalidData)
        {
            return false;
        }

        int control = 0;
        foreach (byte b in head)
        {
            if (b is < 0x09 or (> 0x0D and < 0x20) or 0x7F)
            {
                control++;
            }
        }

        return control * 100 > head.Length;
    }

    /// <summary>Decodes the input text the way the tool's <c>get_encoding</c> picks a codec from the BOM.</summary>
    public static string Decode(ReadOnlySpan<byte> data)
    {
        try
        {
            // Order as the tool checks: UTF-8, UTF-16 LE (which also catches UTF-32 LE), UTF-16 BE, UTF-32 BE.
            if (data.StartsWith(Utf8Bom))
            {
                return Strict(new UTF8Encoding(false, true), data[3..]);
            }

            if (data.StartsWith(Utf16LeBom))
            {
                return Strict(new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), data[2..]);
            }

            if (data.StartsWith(Utf16BeBom))
            {
                return Strict(new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), data[2..]);
            }

            if (data.StartsWith(Utf32BeBom))
            {
                return Strict(new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true), data[4..]);
            }

            return Strict(new UTF8Encoding(false, true), data);
        }
        catch (DecoderFallbackException e)
        {
            throw new PartitionTableException($"the CSV input cannot be decoded: {e.Message}", e.Index >= 0 ? e.Index : null);
        }
    }

    /// <summary>Reads every row and fills in automatic offsets and end-address sizes.</summary>
    public static List<PartitionRow> Read(string text, PartitionTableOptions options, PartitionKeywords keywords)
    {
        var lines = PythonText.SplitLines(text);
        var rows = new List<PartitionRow>();
        for (int i = 0; i < lines.Count; i++)
        {
            int lineNo = i + 1;
            string expanded = PythonText.ExpandVars(lines[i], options.LookupVariable);
            if (PythonText.LeadingVariable(expanded) is { } unknown)
            {
                throw new PartitionTableException($"unknown variable '{unknown}'", line: lineNo);
            }

            string line = PythonText.Strip(expanded);
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            try
            {
                rows.Add(ParseLine(line, lineNo, options, keywords));
            }
            catch (PartitionTableException e)
            {
                throw new PartitionTableException($"Error at line {lineNo}: {e.Message}\n{ExtraSubtypesHint}", line: lineNo);
            }
        }

        FillOffsets(rows, options, keywords);
        return rows;
    }

    /// <summary>One row as the tool prints it (<c>PartitionDefinition.to_csv</c>).</summary>
    public static string FormatRow(PartitionRow row, PartitionKeywords keywords)
    {
        var sb = new StringBuilder();
        sb.Append(row.Name).Append(',');
        sb.Append(keywords.TypeName(row.Type) ?? PythonText.Dec(row.Type)).Append(',');
        sb.Append(keywords.SubtypeName(row.Type, row.Subtype) ?? PythonText.Dec(row.Subtype)).Append(',');
        sb.Append(row.Offset is long o ? "0x" + PythonText.Hex(o) : "None").Append(',');
        sb.Append(FormatSize(row.Size)).Append(',');
        if (row.Encrypted)
        {
            sb.Append("encrypted");
        }

        if (row.ReadOnly)
        {
            sb.Append(row.Encrypted ? ":readonly" : "readonly");
        }

        return sb.ToString();
    }

    /// <summary>The whole table as the tool prints it: two header lines, one line per row, <c>\n</c> endings.</summary>
    public static string Format(IEnumerable<PartitionRow> rows, PartitionKeywords keywords)
    {
        var sb = new StringBuilder();
        sb.Append(HeaderLine1).Append('\n').Append(HeaderLine2).Append('\n');
        foreach (var row in rows)
        {
            sb.Append(FormatRow(row, keywords)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Sizes print as <c>nM</c>, else <c>nK</c>, else hex.</summary>
    public static string FormatSize(long size) =>
        size % 0x100000 == 0 ? PythonText.Dec(size / 0x100000) + "M"
        : size % 0x400 == 0 ? PythonText.Dec(size / 0x400) + "K"
        : "0x" + PythonText.Hex(size);

    internal static bool IsPrimaryBootloaderOrTable(PartitionRow row, PartitionKeywords keywords) =>
        (row.Type == (long)PartitionType.Bootloader && row.Subtype == keywords.Subtype(row.Type, "primary")) ||
        (row.Type == (long)PartitionType.PartitionTable && row.Subtype == keywords.Subtype(row.Type, "primary"));

    private static PartitionRow ParseLine(string line, int lineNo, PartitionTableOptions options, PartitionKeywords keywords)
    {
        // Four extra commas make missing trailing fields empty.
        string[] fields = [.. (line + ",,,,").Split(',').Select(PythonText.Strip)];
        var row = new PartitionRow { Line = lineNo, Name = fields[0] };
        row.Type = ParseType(fields[1]);
        row.Subtype = ParseSubtype(fields[2], row.Type, keywords);
        row.Offset = ParseAddress(fields[3], row.Type, row.Subtype, options, keywords);
        long? size = ParseSize(fields[4], row.Type, options);
        row.Size = size ?? throw new PartitionTableException("Size field can't be empty");

        // Flags are split on ':' and compared without stripping, so "encrypted " is unknown.
        foreach (string flag in fields[5].Split(':'))
        {
            switch (flag)
            {
                case "encrypted":
                    row.Encrypted = true;
                    break;
                case "readonly":
                    row.ReadOnly = true;
                    break;
                case "":
                    break;
                default:
                    throw new PartitionTableException($"CSV flag column contains unknown flag '{flag}'");
            }
        }

        return row;
    }

    private static long ParseType(string value)
    {
        if (value.Length == 0)
        {
            throw new PartitionTableException("Field 'type' can't be left empty.");
        }

        return ParseInt(value, PartitionKeywords.TypeList);
    }

    private static long ParseSubtype(string value, long type, PartitionKeywords keywords)
    {
        if (value.Length == 0)
        {
            if (type == (long)PartitionType.App)
            {
                throw new PartitionTableException("App partition cannot have an empty subtype");
            }

            return keywords.Subtype((long)PartitionType.Data, "undefined");
        }

        return ParseInt(value, keywords.SubtypeList(type));
    }

    private static long? ParseAddress(string value, long type, long subtype, PartitionTableOptions options, PartitionKeywords keywords)
    {
        if (type == (long)PartitionType.Bootloader)
        {
            if (subtype == keywords.Subtype(type, "primary"))
            {
                return options.PrimaryBootloaderOffset
                    ?? throw new PartitionTableException("Primary bootloader offset is not defined. Please use --primary-bootloader-offset");
            }

            if (subtype == keywords.Subtype(type, "recovery"))
            {
                return options.RecoveryBootloaderOffset
                    ?? throw new PartitionTableException("Recovery bootloader offset is not defined. Please use --recovery-bootloader-offset");
            }
        }

        if (type == (long)PartitionType.PartitionTable && subtype == keywords.Subtype(type, "primary"))
        {
            return options.TableOffset;
        }

        return value.Length == 0 ? null : ParseInt(value, null);
    }

    private static long? ParseSize(string value, long type, PartitionTableOptions options)
    {
        if (type == (long)PartitionType.Bootloader)
        {
            long primary = options.PrimaryBootloaderOffset
                ?? throw new PartitionTableException("Primary bootloader offset is not defined. Please use --primary-bootloader-offset");
            return options.TableOffset - primary;
        }

        if (type == (long)PartitionType.PartitionTable)
        {
            return PartitionTable.SectorSize;
        }

        return value.Length == 0 ? null : ParseInt(value, null);
    }

    private static long ParseInt(string value, IReadOnlyList<(string Name, long Value)>? keywords)
    {
        var big = ParseIntBig(value, keywords);
        if (BigInteger.Abs(big) > MaxMagnitude)
        {
            throw new PartitionTableException($"Value '{value}' is out of range");
        }

        return (long)big;
    }

    // gen_esp32part.py parse_int(): a trailing k/K or m/M multiplies what is before it (recursively, so
    // "1kk" is 1 MiB); then int(x, 0); only when that fails, a keyword looked up in lower case.
    private static BigInteger ParseIntBig(string value, IReadOnlyList<(string Name, long Value)>? keywords)
    {
        // Only the last character's lower case decides the suffix (the Kelvin sign counts as k).
        char last = value.Length == 0 ? '\0' : char.ToLowerInvariant(value[^1]);
        if (last == 'k')
        {
            return ParseIntBig(value[..^1], keywords) * 1024;
        }

        if (last == 'm')
        {
            return ParseIntBig(value[..^1], keywords) * (1024 * 1024);
        }

        if (PythonText.TryParseInt(value, 0, out var number))
        {
            return number;
        }

        if (keywords is null || keywords.Count == 0)
        {
            throw new PartitionTableException($"Invalid field value {value}");
        }

        string lower = PythonText.Lower(value);
        foreach (var (name, v) in keywords)
        {
            if (name == lower)
            {
                return v;
            }
        }

        throw new PartitionTableException($"Value '{value}' is not valid. Known keywords: {string.Join(", ", keywords.Select(k => k.Name))}");
    }

    // PartitionTable.from_csv(): "fix up missing offsets & negative sizes", in CSV order.
    private static void FillOffsets(List<PartitionRow> rows, PartitionTableOptions options, PartitionKeywords keywords)
    {
        long lastEnd = options.TableEnd;
        foreach (var row in rows)
        {
            if (IsPrimaryBootloaderOrTable(row, keywords))
            {
                continue;
            }

            if (row.Offset is long offset && offset < lastEnd)
            {
                // The tool compares by value (name, type, subtype, offset, size), not identity.
                throw new PartitionTableException(
                    row.SameAs(rows[0])
                        ? $"CSV Error at line {row.Line}: Partitions overlap. Partition sets offset 0x{PythonText.Hex(offset)}. " +
                          $"But partition table occupies the whole sector 0x{PythonText.Hex(options.TableOffset)}. " +
                          $"Use a free offset 0x{PythonText.Hex(lastEnd)} or higher."
                        : $"CSV Error at line {row.Line}: Partitions overlap. Partition sets offset 0x{PythonText.Hex(offset)}. " +
                          $"Previous partition ends 0x{PythonText.Hex(lastEnd)}",
                    line: row.Line);
            }

            if (row.Offset is null)
            {
                long padTo = row.Type == (long)PartitionType.App ? PartitionTable.AppAlignment : PartitionTable.SectorSize;
                long rem = ((lastEnd % padTo) + padTo) % padTo;
                if (rem != 0)
                {
                    lastEnd += padTo - rem;
                }

                row.Offset = lastEnd;
            }

            // A negative size is the end address: "-0x400000" ends the partition at 4 MiB.
            if (row.Size < 0)
            {
                row.Size = -row.Size - row.OffsetValue;
            }

            lastEnd = row.OffsetValue + row.Size;
        }
    }

    private static string Strict(Encoding encoding, ReadOnlySpan<byte> data) => encoding.GetString(data);
}
