using EspOta.Images;
using EspOta.Layout;
using EspOta.Partitions;
using EspOta.Security;

namespace EspOta.Torture;

/// <summary>The fixed parts of one run: layout, images, sizes.</summary>
internal sealed class TortureRun
{
    public const string FactoryAppName = "factory";
    private const int ImageOverhead = 0x200;

    private readonly Dictionary<string, byte[]> _images = [];

    // Each extra data partition: two sectors, like a small FAT or key store.
    private const uint DataPartitionSize = 0x2000;
    private readonly IReadOnlyDictionary<string, uint> _secureVersions;

    /// <summary>Size of the second-stage bootloader images the sweep builds (fits every chip's bootloader region).</summary>
    public const int BootloaderImageSize = 16 * 1024;

    // RSA-3072 key generation takes a second or more; the keys do not change what a sweep finds (only the
    // signature bytes, which PSS randomizes anyway), so one set serves every run of the process.
    private static readonly Lazy<SecureBootSigningKey[]> SharedKeys = new(() =>
        [.. Enumerable.Range(0, SignatureSector.MaxBlocks).Select(_ => SecureBootSigningKey.Generate(SignatureScheme.Rsa3072))]);

    // PSS signatures are randomized: signed images are made once per process, so that a replay from scratch
    // (ReproduceCut, the --dump files) writes the very bytes the sweep judged.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> SignedImages = new(StringComparer.Ordinal);

    private readonly IReadOnlyDictionary<string, int[]>? _signedBy;

    public TortureRun(TortureOptions options, TortureScenario scenario)
    {
        Chip = scenario.Chip ?? Chip.Esp32C3;
        bool hasFactory = scenario.HasFactory;
        _secureVersions = scenario.SecureVersions;
        if (options.ImageSize < 2 * ImageOverhead)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"image size {options.ImageSize} is too small (at least {2 * ImageOverhead})");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ChunkSize);
        HasFactory = hasFactory;
        ImageSize = options.ImageSize;
        ChunkSize = options.ChunkSize;
        _signedBy = scenario.SignedBy;
        if (_signedBy is not null && _signedBy.Values.Any(slots => slots.Length == 0 || slots.Any(k => k is < 0 or >= SignatureSector.MaxBlocks)))
        {
            throw new ArgumentException($"each signed version needs 1 to {SignatureSector.MaxBlocks} key slots in 0..{SignatureSector.MaxBlocks - 1}", nameof(scenario));
        }

        // A signed image grows by its padding to 4 KiB and the signature sector.
        long appSize = Align.Up(ImageSize + (_signedBy is null ? 0 : 2 * SignatureSector.Size), PartitionTable.AppAlignment);
        Table = Layout(hasFactory ? appSize : 0, scenario.OtaSlots, appSize, scenario.HasTest, scenario.DataPartitions);
        FlashSize = FlashLayout.End(Table);
        uint bootloaderSize = PartitionTable.DefaultOffset - Chip.BootloaderOffset;
        PrimaryBootloader = new Partition("PrimaryBTLDR", PartitionType.Bootloader, PartitionSubtypes.BootloaderPrimary, Chip.BootloaderOffset, bootloaderSize);
        PrimaryPartitionTable = new Partition("PrimaryPrtTable", PartitionType.PartitionTable, PartitionSubtypes.PartitionTablePrimary, PartitionTable.DefaultOffset, 0x1000);
        if (scenario.RecoveryBootloader)
        {
            // Where CONFIG_BOOTLOADER_RECOVERY_OFFSET would point: free space after the last partition.
            uint at = checked((uint)Align.Up(FlashSize, 0x1000));
            RecoveryBootloader = new Partition("RecoveryBTLDR", PartitionType.Bootloader, PartitionSubtypes.BootloaderRecovery, at, bootloaderSize);
            FlashSize = Align.Up(at + bootloaderSize, 0x10000);
        }
    }

    public Chip Chip { get; }

    /// <summary>The primary bootloader region as ESP-IDF registers it (<c>esp_partition_register_external</c>).</summary>
    public Partition PrimaryBootloader { get; }

    /// <summary>The recovery bootloader region, when the scenario has one.</summary>
    public Partition? RecoveryBootloader { get; }

    /// <summary>The primary partition table region (<c>PrimaryPrtTable</c>, one sector at 0x8000).</summary>
    public Partition PrimaryPartitionTable { get; }

    /// <summary>Whether the device checks signatures (Secure Boot v2).</summary>
    public bool SecureBoot => _signedBy is not null;

    /// <summary>
    /// Whether the app named <paramref name="version"/> can pass secure boot with the eFuses <paramref name="efuses"/>:
    /// always without secure boot; with it, when one of its signing key slots is not revoked.
    /// </summary>
    public bool SignedByUnrevokedKey(string version, SecureBootEfuses? efuses) =>
        _signedBy is null || efuses is null || !_signedBy.TryGetValue(version, out var slots) || slots.Any(k => !efuses.Revoked[k]);

    /// <summary>Key slots in use: one past the highest slot any version is signed with.</summary>
    public int KeySlots => _signedBy is null ? 0 : _signedBy.Values.SelectMany(k => k).Max() + 1;

    /// <summary>
    /// Fresh Secure Boot v2 eFuses as the setup starts: every used slot's digest burnt, nothing revoked, then the
    /// slots in <paramref name="revoked"/> revoked (the eFuse state as of some moment of the body).
    /// </summary>
    public SecureBootDeviceConfig SecureBootConfig(IEnumerable<int> revoked)
    {
        var config = SecureBootDeviceConfig.SecureBoot(Chip, SignatureScheme.Rsa3072, [.. SharedKeys.Value.Take(KeySlots).Select(k => k.PublicKey.Digest)]);
        foreach (int slot in revoked)
        {
            config.Efuses.Revoke(slot);
        }

        return config;
    }

    /// <summary>The bootloader image, signed by every used key (so that any one of them can be revoked).</summary>
    public byte[] SignedBootloader() => SignedImages.GetOrAdd($"bootloader|{Chip}|{KeySlots}", _ =>
        ImageSigner.Sign(new AppImageBuilder(Chip).WithVersion("bootloader").WithPayload(2048, 7).Build(), [.. SharedKeys.Value.Take(KeySlots)]).Bytes);

    public long ImageSize { get; }

    public int ChunkSize { get; }

    public PartitionTable Table { get; }

    public long FlashSize { get; }

    public string FactoryApp => FactoryAppName;

    public bool HasFactory { get; }

    /// <summary>The factory app's name when the layout has one.</summary>
    public string? Factory => HasFactory ? FactoryAppName : null;

    /// <summary>A second-stage bootloader image named <paramref name="version"/> (an ESP image of <see cref="BootloaderImageSize"/> bytes for the run's chip).</summary>
    public ReadOnlyMemory<byte> BootloaderImage(string version)
    {
        string key = "bootloader:" + version;
        if (!_images.TryGetValue(key, out var image))
        {
            image = new AppImageBuilder(Chip).AsBootloader().WithProject("bootloader").WithVersion(version)
                .WithPayload(BootloaderImageSize - ImageOverhead, (ulong)version.Length * 0x9E3779B97F4A7C15UL).Build();
            _images[key] = image;
        }

        return image;
    }

    public ReadOnlyMemory<byte> Image(string version)
    {
        if (!_images.TryGetValue(version, out var image))
        {
            ulong seed = 0xCBF29CE484222325UL;
            foreach (char c in version)
            {
                seed = (seed ^ c) * 0x100000001B3UL;
            }

            image = new AppImageBuilder(Chip)
                .WithProject("esp-ota-torture")
                .WithVersion(version)
                .WithSecureVersion(_secureVersions.TryGetValue(version, out uint sv) ? sv : 0)
                .WithPayload((int)(ImageSize - ImageOverhead), seed)
                .Build();
            if (_signedBy is not null)
            {
                var slots = _signedBy.TryGetValue(version, out var listed) ? listed : throw new ArgumentException($"the scenario lists no signers for {version}", nameof(version));
                var unsigned = image;
                image = SignedImages.GetOrAdd($"{Chip}|{ImageSize}|{version}|{sv}|{string.Join(',', slots)}", _ => ImageSigner.Sign(unsigned, [.. slots.Select(k => SharedKeys.Value[k])]).Bytes);
            }

            _images[version] = image;
        }

        return image;
    }

    private static PartitionTable Layout(long factorySize, int slots, long appSize, bool hasTest, IReadOnlyList<string> data)
    {
        var table = FlashLayout.WithSlots(factorySize, slots, appSize);
        if (!hasTest && data.Count == 0)
        {
            return table;
        }

        var rows = table.Partitions.ToList();
        long at = FlashLayout.End(table);
        if (hasTest)
        {
            rows.Add(new Partition("test", PartitionType.App, PartitionSubtypes.AppTest, checked((uint)at), checked((uint)appSize)));
            at += appSize;
        }

        foreach (string label in data)
        {
            rows.Add(new Partition(label, PartitionType.Data, PartitionSubtypes.DataFat, checked((uint)at), DataPartitionSize));
            at += DataPartitionSize;
        }

        return new PartitionTable(rows);
    }
}
