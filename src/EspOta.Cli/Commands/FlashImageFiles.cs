using System.CommandLine;
using System.Text.Json;
using EspOta.Boot;
using EspOta.Cli.Files;
using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Cli.Commands;

/// <summary>What the flash-image commands share: loading and saving images, boot options, JSON shapes.</summary>
internal static class FlashImageFiles
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// A whole flash image in memory. The chip is at least as large as the file and as the end of the
    /// last partition in the table at <paramref name="tableOffset"/>: esptool <c>merge_bin</c> does not
    /// pad by default, and a real chip still has the erased space after the file's end.
    /// </summary>
    public static MemoryFlash Load(FileInfo file, long tableOffset = PartitionTable.DefaultOffset)
    {
        var bytes = CliFiles.Read(file, "flash image");
        CheckSize(file, bytes.Length, tableOffset);
        long end = Math.Max(bytes.Length, MemoryFlash.DefaultSectorSize);
        if (tableOffset >= 0 && tableOffset + PartitionTable.MaxLength <= bytes.Length)
        {
            try
            {
                var table = PartitionTable.FromBinary(bytes.AsSpan((int)tableOffset, PartitionTable.MaxLength));
                end = Math.Max(end, table.Partitions.Select(p => p.End).DefaultIfEmpty(0).Max());
            }
            catch (PartitionTableException)
            {
                // Not a valid table: the commands report that themselves when they read it from flash.
            }
        }

        return MemoryFlash.FromImage(bytes, RoundUpToSector(end), strict: false);
    }

    /// <summary>
    /// Writes the image back: at least its original length, and up to the last sector holding anything
    /// but 0xFF, so that data written past the end of an unpadded image is kept.
    /// </summary>
    public static void Save(FileInfo file, MemoryFlash flash, long originalLength)
    {
        long used = flash.Contents.LastIndexOfAnyExcept((byte)0xFF) + 1;
        long length = Math.Max(originalLength, used == 0 ? 0 : RoundUpToSector(used));
        CliFiles.WriteAtomic(file.FullName, flash.Contents[..(int)length], "flash image");
    }

    /// <summary>Fails with a clear message unless <paramref name="file"/> can be a whole flash image with a table at <paramref name="tableOffset"/>.</summary>
    public static void CheckImageFile(FileInfo file, long tableOffset)
    {
        CliFiles.CheckReadable(file.FullName, "flash image");
        CheckSize(file, file.Length, tableOffset);
    }

    private static void CheckSize(FileInfo file, long length, long tableOffset)
    {
        if (length == 0)
        {
            throw new FileProblemException($"flash image {file.FullName} is empty (0 bytes)", ExitCodes.Failure);
        }

        if (tableOffset >= 0 && length < tableOffset + PartitionTable.MaxLength)
        {
            throw new FileProblemException(
                $"flash image {file.FullName} is {length} (0x{length:x}) bytes: too short to hold a partition table at 0x{tableOffset:x} (a whole flash image reaches at least 0x{tableOffset + PartitionTable.MaxLength:x})",
                ExitCodes.Failure);
        }
    }

    private static long RoundUpToSector(long value) =>
        (value + MemoryFlash.DefaultSectorSize - 1) / MemoryFlash.DefaultSectorSize * MemoryFlash.DefaultSectorSize;

    public static Partition RequirePartition(PartitionTable table, string label) =>
        table.FindFirst(label: label) ?? throw new UsageException($"no partition named '{label}' in the partition table (have: {string.Join(", ", table.Partitions.Select(p => p.Label))})");

    public static PartitionTable ReadTable(IFlash flash, long offset)
    {
        var table = PartitionTable.ReadFromFlash(flash, offset);
        return table.Partitions.Count == 0
            ? throw new PartitionTableException($"no partition table at 0x{offset:x} (the first row is empty)")
            : table;
    }

    public static object DescribeBoot(BootResult boot) => new
    {
        booted = boot.Booted?.Label,
        bootedOffset = boot.Booted?.Offset,
        selectedIndex = boot.SelectedIndex,
        bootedIndex = boot.BootedIndex,
        reset = boot.IsReset,
        version = boot.App?.Version,
        secureVersion = boot.App?.SecureVersion,
        steps = boot.Steps,
    };

    /// <summary>The bootloader-configuration options several commands take.</summary>
    internal sealed class BootOptionSet
    {
        public readonly Option<bool> Rollback = new("--rollback") { Description = "Bootloader built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE." };
        public readonly Option<bool> AntiRollback = new("--anti-rollback") { Description = "Bootloader built with CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK (implies --rollback)." };
        public readonly Option<int> EfuseSecureVersion = new("--efuse-secure-version") { Description = "The eFuse secure version counter (0-16).", DefaultValueFactory = _ => 0 };
        public readonly Option<string> TableOffset = new("--table-offset") { Description = "Offset of the partition table.", DefaultValueFactory = _ => "0x8000" };

        public void AddTo(Command command)
        {
            command.Options.Add(Rollback);
            command.Options.Add(AntiRollback);
            command.Options.Add(EfuseSecureVersion);
            command.Options.Add(TableOffset);
        }

        public BootOptions Read(ParseResult parse)
        {
            int efuse = parse.GetValue(EfuseSecureVersion);
            if (efuse is < 0 or > EspOta.Boot.EfuseSecureVersion.DefaultFieldBits)
            {
                throw new UsageException($"--efuse-secure-version must be 0..{EspOta.Boot.EfuseSecureVersion.DefaultFieldBits}, got {efuse}");
            }

            bool anti = parse.GetValue(AntiRollback);
            return new BootOptions
            {
                Rollback = anti || parse.GetValue(Rollback),
                AntiRollback = anti,
                Efuse = new EspOta.Boot.EfuseSecureVersion(efuse),
                PartitionTableOffset = (uint)SizeArgument.Parse(parse.GetValue(TableOffset)!, "--table-offset", max: uint.MaxValue),
            };
        }
    }
}
