using EspOta.Images;
using EspOta.Layout;
using EspOta.Partitions;

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

    public TortureRun(TortureOptions options, TortureScenario scenario)
    {
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
        long appSize = Align.Up(ImageSize, PartitionTable.AppAlignment);
        Table = Layout(hasFactory ? appSize : 0, scenario.OtaSlots, appSize, scenario.HasTest, scenario.DataPartitions);
        FlashSize = FlashLayout.End(Table);
    }

    public Chip Chip => Chip.Esp32C3;

    public long ImageSize { get; }

    public int ChunkSize { get; }

    public PartitionTable Table { get; }

    public long FlashSize { get; }

    public string FactoryApp => FactoryAppName;

    public bool HasFactory { get; }

    /// <summary>The factory app's name when the layout has one.</summary>
    public string? Factory => HasFactory ? FactoryAppName : null;

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
