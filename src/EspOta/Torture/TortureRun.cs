using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Torture;

/// <summary>The fixed parts of one run: layout, images, sizes.</summary>
internal sealed class TortureRun
{
    public const string FactoryAppName = "factory";
    private const uint FirstAppOffset = 0x10000;
    private const uint AppAlignment = 0x10000;
    private const int ImageOverhead = 0x200;

    private readonly Dictionary<string, byte[]> _images = [];

    public TortureRun(TortureOptions options, bool hasFactory)
    {
        if (options.ImageSize < 2 * ImageOverhead)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"image size {options.ImageSize} is too small (at least {2 * ImageOverhead})");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ChunkSize);
        ImageSize = options.ImageSize;
        ChunkSize = options.ChunkSize;
        uint appSize = (uint)((ImageSize + AppAlignment - 1) / AppAlignment * AppAlignment);
        var partitions = new List<Partition>
        {
            new("nvs", PartitionType.Data, PartitionSubtypes.DataNvs, 0x9000, 0x4000),
            new("otadata", PartitionType.Data, PartitionSubtypes.DataOta, 0xD000, 0x2000),
            new("phy_init", PartitionType.Data, PartitionSubtypes.DataPhy, 0xF000, 0x1000),
        };
        uint at = FirstAppOffset;
        if (hasFactory)
        {
            partitions.Add(new Partition("factory", PartitionType.App, PartitionSubtypes.AppFactory, at, appSize));
            at += appSize;
        }

        for (int slot = 0; slot < 2; slot++)
        {
            partitions.Add(new Partition($"ota_{slot}", PartitionType.App, (byte)(PartitionSubtypes.AppOtaMin + slot), at, appSize));
            at += appSize;
        }

        Table = new PartitionTable(partitions, hasMd5: true);
        FlashSize = at;
    }

    public Chip Chip => Chip.Esp32C3;

    public long ImageSize { get; }

    public int ChunkSize { get; }

    public PartitionTable Table { get; }

    public long FlashSize { get; }

    public string FactoryApp => FactoryAppName;

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
                .WithPayload((int)(ImageSize - ImageOverhead), seed)
                .Build();
            _images[version] = image;
        }

        return image;
    }
}
