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

    // RSA-3072 key generation takes a second or more; the keys do not change what a sweep finds (only the
    // signature bytes, which PSS randomizes anyway), so one set serves every run of the process.
    private static readonly Lazy<SecureBootSigningKey[]> SharedKeys = new(() =>
        [.. Enumerable.Range(0, SignatureSector.MaxBlocks).Select(_ => SecureBootSigningKey.Generate(SignatureScheme.Rsa3072))]);

    // PSS signatures are randomized: signed images are made once per process, so that a replay from scratch
    // (ReproduceCut, the --dump files) writes the very bytes the sweep judged.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> SignedImages = new(StringComparer.Ordinal);

    private readonly IReadOnlyDictionary<string, int[]>? _signedBy;

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
        if (signedBy is not null && signedBy.Values.Any(slots => slots.Length == 0 || slots.Any(k => k is < 0 or >= SignatureSector.MaxBlocks)))
        {
            throw new ArgumentException($"each signed version needs 1 to {SignatureSector.MaxBlocks} key slots in 0..{SignatureSector.MaxBlocks - 1}", nameof(signedBy));
        }

        // A signed image grows by its padding to 4 KiB and the signature sector.
        long appSize = Align.Up(ImageSize + (signedBy is null ? 0 : 2 * SignatureSector.Size), PartitionTable.AppAlignment);
        Table = FlashLayout.WithSlots(hasFactory ? appSize : 0, 2, appSize);
        FlashSize = FlashLayout.End(Table);
    }

    public Chip Chip => Chip.Esp32C3;

    /// <summary>Whether the device checks signatures (Secure Boot v2).</summary>
    public bool SecureBoot => _signedBy is not null;

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
    public byte[] SignedBootloader() => SignedImages.GetOrAdd($"bootloader|{KeySlots}", _ =>
        ImageSigner.Sign(new AppImageBuilder(Chip).WithVersion("bootloader").WithPayload(2048, 7).Build(), [.. SharedKeys.Value.Take(KeySlots)]).Bytes);

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
                var slots = _signedBy.TryGetValue(version, out var listed) ? listed : throw new ArgumentException($"the scenario lists no signers for {version}", nameof(version));
                var unsigned = image;
                image = SignedImages.GetOrAdd($"{ImageSize}|{version}|{string.Join(',', slots)}", _ => ImageSigner.Sign(unsigned, [.. slots.Select(k => SharedKeys.Value[k])]).Bytes);
            }

            _images[version] = image;
        }

        return image;
    }
}
