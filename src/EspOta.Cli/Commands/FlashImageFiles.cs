using System.CommandLine;
using System.Text.Json;
using EspOta.Boot;
using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Cli.Commands;

/// <summary>What the flash-image commands share: loading and saving images, boot options, JSON shapes.</summary>
internal static class FlashImageFiles
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A whole flash image in memory (padded with 0xFF to whole sectors).</summary>
    public static MemoryFlash Load(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new FileNotFoundException($"flash image {file.FullName} does not exist", file.FullName);
        }

        var bytes = File.ReadAllBytes(file.FullName);
        long size = (Math.Max(bytes.Length, MemoryFlash.DefaultSectorSize) + MemoryFlash.DefaultSectorSize - 1) / MemoryFlash.DefaultSectorSize * MemoryFlash.DefaultSectorSize;
        return MemoryFlash.FromImage(bytes, size, strict: false);
    }

    /// <summary>Writes the image back, at its original length.</summary>
    public static void Save(FileInfo file, MemoryFlash flash, long length) => File.WriteAllBytes(file.FullName, flash.Contents[..(int)length].ToArray());

    /// <summary>Parses <c>4MB</c>, <c>512KB</c>, <c>0x400000</c> or a decimal number.</summary>
    public static long ParseSize(string text)
    {
        string t = text.Trim();
        try
        {
            if (t.EndsWith("MB", StringComparison.OrdinalIgnoreCase))
            {
                return long.Parse(t[..^2], System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024;
            }

            if (t.EndsWith("KB", StringComparison.OrdinalIgnoreCase))
            {
                return long.Parse(t[..^2], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }

            return PartitionTableOptions.ParseNumber(t);
        }
        catch (FormatException)
        {
            throw new UsageException($"'{text}' is not a size (examples: 4MB, 512KB, 0x400000)");
        }
    }

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
                PartitionTableOffset = (uint)ParseSize(parse.GetValue(TableOffset)!),
            };
        }
    }
}
