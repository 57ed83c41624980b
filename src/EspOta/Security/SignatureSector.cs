namespace EspOta.Security;

/// <summary>
/// The 4 KiB signature sector after an image rounded up to 4 KiB (<c>ets_secure_boot_signature_t</c>): three
/// block slots, then 448 bytes; espsecure fills everything after its last block with 0xFF.
/// </summary>
public sealed class SignatureSector
{
    /// <summary>Size of the sector.</summary>
    public const int Size = 4096;

    /// <summary>Block slots in a sector (<c>SECURE_BOOT_NUM_BLOCKS</c>).</summary>
    public const int MaxBlocks = 3;

    private SignatureSector(IReadOnlyList<SignatureBlockV2> slots) => Slots = slots;

    /// <summary>The three slots as stored (well-formed or not).</summary>
    public IReadOnlyList<SignatureBlockV2> Slots { get; }

    /// <summary>
    /// The well-formed blocks from slot 0 up to the first one that is not (espsecure's rule for counting and
    /// for <c>--append_signatures</c>).
    /// </summary>
    public IReadOnlyList<SignatureBlockV2> LeadingBlocks => Slots.TakeWhile(b => b.IsWellFormed).ToArray();

    /// <summary>
    /// The leading well-formed blocks (as <see cref="LeadingBlocks"/>) of a sector that may be cut short: a block
    /// the end of <paramref name="data"/> cuts into counts as not well-formed (a truncated file, as esptool reads it).
    /// </summary>
    public static IReadOnlyList<SignatureBlockV2> ReadLeadingBlocks(ReadOnlySpan<byte> data)
    {
        var blocks = new List<SignatureBlockV2>(MaxBlocks);
        for (int i = 0; i < MaxBlocks && data.Length >= (i + 1) * SignatureBlockV2.Size; i++)
        {
            var block = SignatureBlockV2.Read(data[(i * SignatureBlockV2.Size)..]);
            if (!block.IsWellFormed)
            {
                break;
            }

            blocks.Add(block);
        }

        return blocks;
    }

    /// <summary>Where the sector of an image whose signed data is <paramref name="imageLength"/> bytes long starts: the length rounded up to 4 KiB.</summary>
    public static long OffsetAfter(long imageLength) => (imageLength + Size - 1) / Size * Size;

    /// <summary>Reads the three slots from the first 4096 bytes of <paramref name="sector"/>.</summary>
    /// <exception cref="ArgumentException">Fewer than 4096 bytes.</exception>
    public static SignatureSector Read(ReadOnlySpan<byte> sector)
    {
        if (sector.Length < Size)
        {
            throw new ArgumentException($"a signature sector is {Size} bytes, got {sector.Length}", nameof(sector));
        }

        var slots = new SignatureBlockV2[MaxBlocks];
        for (int i = 0; i < MaxBlocks; i++)
        {
            slots[i] = SignatureBlockV2.Read(sector[(i * SignatureBlockV2.Size)..]);
        }

        return new SignatureSector(slots);
    }

    /// <summary>The sector of a signed file: the file's last 4096 bytes (espsecure reads it there).</summary>
    /// <exception cref="SignatureException">The file is empty or not a multiple of 4096 bytes.</exception>
    public static SignatureSector ReadFromSignedFile(ReadOnlySpan<byte> file)
    {
        RequireSectorAligned(file.Length);
        return Read(file[^Size..]);
    }

    /// <summary>1 to 3 blocks, then 0xFF up to 4096 bytes (espsecure <c>sign_secure_boot_v2</c>).</summary>
    /// <exception cref="ArgumentException">No block or more than three.</exception>
    public static byte[] Compose(IReadOnlyList<SignatureBlockV2> blocks)
    {
        if (blocks.Count is 0 or > MaxBlocks)
        {
            throw new ArgumentException($"a signature sector holds 1 to {MaxBlocks} blocks, got {blocks.Count}", nameof(blocks));
        }

        var sector = new byte[Size];
        sector.AsSpan().Fill(0xFF);
        for (int i = 0; i < blocks.Count; i++)
        {
            blocks[i].WriteTo(sector.AsSpan(i * SignatureBlockV2.Size));
        }

        return sector;
    }

    internal static void RequireSectorAligned(long length)
    {
        if (length < Size || length % Size != 0)
        {
            throw new SignatureException(SignatureProblem.NotSectorAligned,
                $"Invalid datafile. Data size should be non-zero & a multiple of 4096 (got {length} bytes).");
        }
    }
}
