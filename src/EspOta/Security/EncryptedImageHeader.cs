using System.Buffers.Binary;

namespace EspOta.Security;

/// <summary>
/// The 512-byte header in front of a pre-encrypted image (<c>pre_enc_bin_header</c>,
/// esp_encrypted_img <c>private_include/esp_encrypted_img_priv.h</c>; written by
/// <c>esp_enc_img_gen.py encrypt</c>). The layout is the same for both key schemes; only the 384-byte
/// key area is read differently (see <see cref="ServerPublicKey"/> and <see cref="KdfSalt"/>). The
/// format has no scheme field: the device's key decides how the key area is read.
/// </summary>
/// <remarks>
/// The byte fields are copies owned by this value; equality compares them by reference, so compare
/// headers with <see cref="WriteTo"/> output when byte equality matters.
/// </remarks>
/// <param name="Magic">Bytes 0..3, little-endian; <see cref="ImageMagic"/> in a real header.</param>
/// <param name="KeyArea">Bytes 4..387 (<c>enc_gcm</c>): the RSA-3072 PKCS#1 v1.5 ciphertext of the AES key, or for ECIES-P256 the server point, the HKDF salt and zeros.</param>
/// <param name="Iv">Bytes 388..403: the AES-GCM nonce (16 bytes, not the usual 12).</param>
/// <param name="PlainLength">Bytes 404..407 (<c>bin_size</c>): length of the plaintext and of the ciphertext after the header.</param>
/// <param name="AuthTag">Bytes 408..423: the 128-bit GCM tag over the ciphertext (no AAD).</param>
/// <param name="Reserved">Bytes 424..511, zeros when written by the tool; ignored by the tool and the device, kept for round trips.</param>
public readonly record struct EncryptedImageHeader(
    uint Magic,
    ReadOnlyMemory<byte> KeyArea,
    ReadOnlyMemory<byte> Iv,
    uint PlainLength,
    ReadOnlyMemory<byte> AuthTag,
    ReadOnlyMemory<byte> Reserved)
{
    /// <summary>Size of the header (<c>esp_encrypted_img_get_header_size()</c>).</summary>
    public const int Size = ReservedOffset + ReservedSize;

    /// <summary>
    /// <c>esp_enc_img_magic</c> (the tool derives it from the SHA-256 of <c>"esp_encrypted_img"</c>);
    /// stored little-endian, so a file starts <c>cf b6 88 07</c>.
    /// </summary>
    public const uint ImageMagic = 0x0788B6CF;

    /// <summary><c>MAGIC_SIZE</c>.</summary>
    public const int MagicSize = 4;

    /// <summary><c>ENC_GCM_KEY_SIZE</c>: the key area, sized for an RSA-3072 ciphertext.</summary>
    public const int KeyAreaSize = 384;

    /// <summary><c>IV_SIZE</c>.</summary>
    public const int IvSize = 16;

    /// <summary><c>BIN_SIZE_DATA</c>.</summary>
    public const int PlainLengthSize = 4;

    /// <summary><c>AUTH_SIZE</c>.</summary>
    public const int AuthTagSize = 16;

    /// <summary><c>RESERVED_HEADER</c>.</summary>
    public const int ReservedSize = 88;

    /// <summary><c>SERVER_ECC_KEY_LEN</c>: the ephemeral P-256 point X ‖ Y (big-endian, no 0x04 prefix).</summary>
    public const int ServerPublicKeySize = 64;

    /// <summary><c>KDF_SALT_SIZE</c>: the HKDF salt after the server point.</summary>
    public const int KdfSaltSize = 32;

    /// <summary>Offset of the magic.</summary>
    public const int MagicOffset = 0;

    /// <summary>Offset of the key area.</summary>
    public const int KeyAreaOffset = MagicOffset + MagicSize;

    /// <summary>Offset of the GCM nonce.</summary>
    public const int IvOffset = KeyAreaOffset + KeyAreaSize;

    /// <summary>Offset of the plaintext length.</summary>
    public const int PlainLengthOffset = IvOffset + IvSize;

    /// <summary>Offset of the GCM tag.</summary>
    public const int AuthTagOffset = PlainLengthOffset + PlainLengthSize;

    /// <summary>Offset of the reserved bytes.</summary>
    public const int ReservedOffset = AuthTagOffset + AuthTagSize;

    /// <summary>Offset of the server point inside the file (ECIES-P256).</summary>
    public const int ServerPublicKeyOffset = KeyAreaOffset;

    /// <summary>Offset of the HKDF salt inside the file (ECIES-P256).</summary>
    public const int KdfSaltOffset = ServerPublicKeyOffset + ServerPublicKeySize;

    /// <summary>Offset of the zeros after the salt inside the file (ECIES-P256, <c>RESERVED_SIZE</c> bytes up to the IV).</summary>
    public const int EciesReservedOffset = KdfSaltOffset + KdfSaltSize;

    /// <summary>Whether <see cref="Magic"/> is <see cref="ImageMagic"/>.</summary>
    public bool HasValidMagic => Magic == ImageMagic;

    /// <summary>ECIES-P256 reading of the key area: the server's ephemeral point X ‖ Y.</summary>
    public ReadOnlyMemory<byte> ServerPublicKey => KeyArea[..ServerPublicKeySize];

    /// <summary>ECIES-P256 reading of the key area: the HKDF salt.</summary>
    public ReadOnlyMemory<byte> KdfSalt => KeyArea.Slice(ServerPublicKeySize, KdfSaltSize);

    /// <summary>Total length of a well-formed encrypted file with this header.</summary>
    public long FileLength => Size + (long)PlainLength;

    /// <summary>Whether <paramref name="data"/> starts with the little-endian <see cref="ImageMagic"/>.</summary>
    public static bool StartsWithMagic(ReadOnlySpan<byte> data) =>
        data.Length >= MagicSize && BinaryPrimitives.ReadUInt32LittleEndian(data) == ImageMagic;

    /// <summary>Decodes the first <see cref="Size"/> bytes; the magic is not judged here.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than <see cref="Size"/>.</exception>
    public static EncryptedImageHeader Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"the encrypted image header needs {Size} bytes, got {data.Length}", nameof(data));
        }

        return new EncryptedImageHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(data[MagicOffset..]),
            data.Slice(KeyAreaOffset, KeyAreaSize).ToArray(),
            data.Slice(IvOffset, IvSize).ToArray(),
            BinaryPrimitives.ReadUInt32LittleEndian(data[PlainLengthOffset..]),
            data.Slice(AuthTagOffset, AuthTagSize).ToArray(),
            data.Slice(ReservedOffset, ReservedSize).ToArray());
    }

    /// <summary>Encodes into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The destination is too short or a field has the wrong length.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"the encrypted image header needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        Check(KeyArea, KeyAreaSize, nameof(KeyArea));
        Check(Iv, IvSize, nameof(Iv));
        Check(AuthTag, AuthTagSize, nameof(AuthTag));
        Check(Reserved, ReservedSize, nameof(Reserved));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[MagicOffset..], Magic);
        KeyArea.Span.CopyTo(destination[KeyAreaOffset..]);
        Iv.Span.CopyTo(destination[IvOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[PlainLengthOffset..], PlainLength);
        AuthTag.Span.CopyTo(destination[AuthTagOffset..]);
        Reserved.Span.CopyTo(destination[ReservedOffset..]);
    }

    /// <summary>The header as <see cref="Size"/> bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    private static void Check(ReadOnlyMemory<byte> field, int size, string name)
    {
        if (field.Length != size)
        {
            throw new ArgumentException($"{name} must be {size} bytes, got {field.Length}", name);
        }
    }
}
