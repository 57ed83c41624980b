namespace EspOta.Partitions;

public sealed partial class PartitionTable
{
    /// <summary>
    /// Checks the table like <c>gen_esp32part.py</c> v5.5.5's <c>verify()</c> (alignment, app sizes,
    /// unique names, overlaps, nothing below the table sector, one otadata and one TEE otadata of
    /// 0x2000, read-only rules, read/write NVS of at least 0x3000) and, when
    /// <see cref="PartitionTableOptions.FlashSize"/> is set, that it fits the flash.
    /// </summary>
    /// <param name="options">Table offset, secure boot mode, extra subtypes, flash size; null for the tool's defaults.</param>
    /// <returns>The tool's WARNING lines (names that equal a keyword of another type).</returns>
    /// <exception cref="PartitionTableException">the first problem, worded like the tool, with the row's binary offset.</exception>
    public IReadOnlyList<string> Validate(PartitionTableOptions? options = null)
    {
        options ??= PartitionTableOptions.Default;
        var warnings = new List<string>();
        var keywords = options.Keywords;
        var rows = Rows();
        PartitionValidation.Verify(rows, options, keywords, ToolLog.Silent(warnings));
        if (options.FlashSize is long flashSize)
        {
            PartitionValidation.VerifySizeFits(rows, flashSize);
        }

        return warnings;
    }

    internal static void CheckRows(List<PartitionRow> rows, PartitionTableOptions options, PartitionKeywords keywords, ToolLog log)
    {
        if (!options.NoVerify)
        {
            log.Status("Verifying table...");
            PartitionValidation.Verify(rows, options, keywords, log);
        }

        if (options.FlashSize is long flashSize)
        {
            PartitionValidation.VerifySizeFits(rows, flashSize);
        }
    }
}
