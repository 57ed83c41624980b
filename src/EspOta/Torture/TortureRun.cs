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

    public TortureRun(TortureOptions options, bool hasFactory)
    {
        if (options.ImageSize < 2 * ImageOverhead)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"image size {options.ImageSize} is too small (at least {2 * ImageOverhead})");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ChunkSize);
        HasFactory = hasFactory;
        ImageSize = options.ImageSize;
        ChunkSize = options.ChunkSize;
        long appSize = Align.Up(ImageSize, PartitionTable.AppAlignment);
        Table = FlashLayout.WithSlots(hasFactory ? appSize : 0, 2, appSize);
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
                .WithPayload((int)(ImageSize - ImageOverhead), seed)
                .Build();
            _images[version] = image;
        }

        return image;
    }
}
