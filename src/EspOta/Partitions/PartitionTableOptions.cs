namespace EspOta.Partitions;

/// <summary>
/// The options of <c>gen_esp32part.py</c> v5.5.5 that change how a table is read, checked and written.
/// </summary>
public sealed record PartitionTableOptions
{
    /// <summary>The tool's defaults: table at 0x8000, MD5 row on, no flash-size check.</summary>
    public static PartitionTableOptions Default { get; } = new();

    /// <summary><c>--offset</c>: flash offset of the table sector; automatic offsets start one sector later.</summary>
    public long TableOffset { get; init; } = PartitionTable.DefaultOffset;

    /// <summary><c>--flash-size</c> in bytes: the end of the last partition must fit; null = no check.</summary>
    public long? FlashSize { get; init; }

    /// <summary><c>--disable-md5sum</c>: write no MD5 row; when reading, an <c>EB EB</c> row is then an invalid entry.</summary>
    public bool DisableMd5 { get; init; }

    /// <summary><c>--secure</c>.</summary>
    public SecureBootMode Secure { get; init; }

    /// <summary><c>--no-verify</c>: skip the table checks (the flash-size check still runs).</summary>
    public bool NoVerify { get; init; }

    /// <summary><c>--quiet</c>: no status lines (warnings and errors are still reported).</summary>
    public bool Quiet { get; init; }

    /// <summary><c>--primary-bootloader-offset</c>: offset of bootloader/primary rows; their size is the table offset minus it.</summary>
    public long? PrimaryBootloaderOffset { get; init; }

    /// <summary><c>--recovery-bootloader-offset</c>: offset of bootloader/recovery rows.</summary>
    public long? RecoveryBootloaderOffset { get; init; }

    /// <summary><c>--extra-partition-subtypes</c>: entries <c>"type,name,value"</c> (value in hex).</summary>
    public IReadOnlyList<string> ExtraPartitionSubtypes { get; init; } = [];

    /// <summary>
    /// Looks up <c>$VAR</c> references in CSV lines; null means the process environment. The tool
    /// expands variables with <c>os.path.expandvars</c>.
    /// </summary>
    public Func<string, string?>? Environment { get; init; }

    /// <summary>The keyword tables these options imply (defaults plus extra subtypes).</summary>
    public PartitionKeywords Keywords => ExtraPartitionSubtypes.Count == 0 ? PartitionKeywords.Default : PartitionKeywords.WithExtraSubtypes(ExtraPartitionSubtypes);

    /// <summary>
    /// Parses a number the way the tool parses its offset options (Python <c>int(text, 0)</c>: decimal,
    /// <c>0x</c> hex, <c>0o</c> octal, <c>0b</c> binary, underscores between digits).
    /// </summary>
    /// <exception cref="FormatException"><paramref name="text"/> is not such a number.</exception>
    public static long ParseNumber(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!PythonText.TryParseInt(text, 0, out var value) || value < long.MinValue || value > long.MaxValue)
        {
            throw new FormatException($"invalid number '{text}' (expected decimal or 0x hex)");
        }

        return (long)value;
    }

    /// <summary>The first offset after the table sector.</summary>
    internal long TableEnd => TableOffset + PartitionTable.SectorSize;

    internal string? LookupVariable(string name) =>
        Environment is { } lookup ? lookup(name) : System.Environment.GetEnvironmentVariable(name);

    /// <summary>The option checks the tool makes before reading any input.</summary>
    internal void CheckConfiguration()
    {
        if (PrimaryBootloaderOffset is long primary && primary >= TableOffset)
        {
            throw new PartitionTableException(
                "Unsupported configuration. Primary bootloader must be below partition table. " +
                $"Check --primary-bootloader-offset={PyHexAlt(primary)} and --offset={PyHexAlt(TableOffset)}");
        }
    }

    // Python's f'{v:#x}'.
    private static string PyHexAlt(long v) => v < 0 ? "-0x" + PythonText.Hex(-v) : "0x" + PythonText.Hex(v);
}
