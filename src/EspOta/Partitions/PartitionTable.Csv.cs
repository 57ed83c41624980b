namespace EspOta.Partitions;

public sealed partial class PartitionTable
{
    /// <summary>
    /// Reads a CSV table exactly like <c>gen_esp32part.py</c> v5.5.5: <c>$VAR</c> expansion, comments,
    /// K/M suffixes, <c>int(x, 0)</c> numbers, keywords, automatic offsets, bootloader and
    /// partition_table rows from the options; then the tool's checks (unless
    /// <see cref="PartitionTableOptions.NoVerify"/>) and the flash-size check.
    /// </summary>
    /// <param name="csv">The CSV text (already decoded).</param>
    /// <param name="options">The tool's options; null for its defaults.</param>
    /// <param name="warnings">Receives the tool's WARNING lines, if not null.</param>
    /// <exception cref="PartitionTableException">the CSV is malformed or the table invalid; <see cref="PartitionTableException.Line"/> says where.</exception>
    public static PartitionTable FromCsv(string csv, PartitionTableOptions? options = null, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(csv);
        options ??= PartitionTableOptions.Default;
        options.CheckConfiguration();
        var keywords = options.Keywords;
        var log = ToolLog.Silent(warnings);
        var rows = PartitionCsv.Read(csv, options, keywords);
        CheckRows(rows, options, keywords, log);
        return new PartitionTable(rows.Select(r => r.ToPartition()), hasMd5: !options.DisableMd5);
    }

    /// <summary>
    /// Writes the table as CSV exactly as <c>gen_esp32part.py &lt;table.bin&gt;</c> prints it: two header
    /// lines, then <c>name,type,subtype,0xoffset,size,flags</c> per row with keywords where known.
    /// </summary>
    /// <param name="options">Supplies extra subtype keywords; null for none.</param>
    public string ToCsv(PartitionTableOptions? options = null) =>
        PartitionCsv.Format(Rows(), (options ?? PartitionTableOptions.Default).Keywords);

    private List<PartitionRow> Rows() => [.. Partitions.Select((p, i) => PartitionRow.From(p, (long)i * EntrySize))];
}
