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

    private readonly IReadOnlyDictionary<string, int[]>? _signedBy;
    private readonly SecureBootSigningKey[] _keys = [];

    public TortureRun(TortureOptions options, bool hasFactory, IReadOnlyDictionary<string, int[]>? signedBy = null)
    {
        if (options.ImageSize < 2 * ImageOverhead)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"image size {options.ImageSize} is too small (at least {2 * ImageOverhead})");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ChunkSize);
        ImageSize = options.ImageSize;
        ChunkSize = options.ChunkSize;
        _signedBy = signedBy;
        if (signedBy is not null)
        {
            _keys = [.. Enumerable.Range(0, signedBy.Values.SelectMany(k => k).Max() + 1).Select(_ => SecureBootSigningKey.Generate(SignatureScheme.Rsa3072))];
        }

        // A signed image grows by its padding to 4 KiB and the signature sector.
        long appSize = Align.Up(ImageSize + (signedBy is null ? 0 : 2 * SignatureSector.Size), PartitionTable.AppAlignment);
        Table = FlashLayout.WithSlots(hasFactory ? appSize : 0, 2, appSize);
        FlashSize = FlashLayout.End(Table);
    }

    public Chip Chip => Chip.Esp32C3;

    /// <summary>Whether the device checks signatures (Secure Boot v2).</summary>
    public bool SecureBoot => _signedBy is not null;

    /// <summary>A fresh Secure Boot v2 configuration: every key's digest in its slot, nothing revoked.</summary>
    public SecureBootDeviceConfig NewSecureBootConfig() =>
        SecureBootDeviceConfig.SecureBoot(Chip, SignatureScheme.Rsa3072, [.. _keys.Select(k => k.PublicKey.Digest)]);

    /// <summary>A bootloader image signed by every key (so that any one of them can be revoked).</summary>
    public byte[] SignedBootloader() =>
        ImageSigner.Sign(new AppImageBuilder(Chip).WithVersion("bootloader").WithPayload(2048, 7).Build(), _keys).Bytes;

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
            if (_signedBy is not null)
            {
                if (!_signedBy.TryGetValue(version, out var slots))
                {
                    throw new ArgumentException($"no signers listed for {version}", nameof(version));
                }

                image = ImageSigner.Sign(image, [.. slots.Select(k => _keys[k])]).Bytes;
            }

            _images[version] = image;
        }

        return image;
    }
}
