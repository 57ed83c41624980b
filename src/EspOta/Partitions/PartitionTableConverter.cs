using System.Text;

namespace EspOta.Partitions;

/// <summary>
/// One run of <c>gen_esp32part.py</c> v5.5.5: the input is binary if it starts with <c>AA 50</c>
/// (then the output is CSV), else CSV (then the output is binary), read, checked and converted with
/// the tool's options, messages and order of checks.
/// </summary>
public static class PartitionTableConverter
{
    /// <summary>Converts <paramref name="input"/> in the direction its first bytes select.</summary>
    /// <param name="input">A binary table or a CSV file's bytes (UTF-8, or with a UTF-8/16/32 BOM).</param>
    /// <param name="options">The tool's options; null for its defaults.</param>
    /// <param name="diagnostics">
    /// Receives what the tool writes to stderr before any error: status lines (unless
    /// <see cref="PartitionTableOptions.Quiet"/>) and warnings, each ending in <c>\n</c>. On failure the
    /// tool's last lines are the exception's message.
    /// </param>
    /// <exception cref="PartitionTableException">the input is malformed or the table invalid.</exception>
    public static PartitionConversion Convert(ReadOnlySpan<byte> input, PartitionTableOptions? options = null, TextWriter? diagnostics = null)
    {
        options ??= PartitionTableOptions.Default;
        options.CheckConfiguration();
        var keywords = options.Keywords;
        var warnings = new List<string>();
        var log = new ToolLog(diagnostics, options.Quiet, warnings);

        if (IsBinary(input))
        {
            log.Status("Parsing binary partition input...");
            var table = PartitionTable.ReadBinary(input, options, log);
            var rows = table.Partitions.Select((p, i) => PartitionRow.From(p, (long)i * PartitionTable.EntrySize)).ToList();
            PartitionTable.CheckRows(rows, options, keywords, log);
            byte[] csv = new UTF8Encoding(false).GetBytes(PartitionCsv.Format(rows, keywords));
            return new PartitionConversion(true, table, csv, warnings);
        }
        else
        {
            if (PartitionCsv.LooksBinary(input))
            {
                // gen_esp32part.py would die in its text decoder here; say what the input is instead.
                throw new PartitionTableException(
                    $"the input is not a partition table: a binary table starts with AA 50 and a CSV table is text, but its first bytes at offset 0 are {System.Convert.ToHexString(input[..Math.Min(8, input.Length)])} and it holds binary data",
                    offset: 0);
            }

            string text = PartitionCsv.Decode(input);
            log.Status("Parsing CSV input...");
            var rows = PartitionCsv.Read(text, options, keywords);
            PartitionTable.CheckRows(rows, options, keywords, log);
            var table = new PartitionTable(rows.Select(r => r.ToPartition()), hasMd5: !options.DisableMd5);
            return new PartitionConversion(false, table, table.ToBinary(), warnings);
        }
    }

    /// <summary>Whether the tool would read <paramref name="input"/> as a binary table (it starts with <c>AA 50</c>).</summary>
    public static bool IsBinary(ReadOnlySpan<byte> input) => input.Length >= 2 && input[0] == 0xAA && input[1] == 0x50;
}
