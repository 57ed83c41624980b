using System.Security.Cryptography;

namespace EspOta.Images;

/// <summary>
/// The verification's one pass over the image: SHA-256 always, and SHA-384 alongside when a P-384 Secure Boot
/// device needs it (<c>CONFIG_SECURE_BOOT_ECDSA_KEY_LEN_384_BITS</c>), so that the signature check never reads the
/// image a second time.
/// </summary>
internal sealed class ImageHash : IDisposable
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash? _sha384;

    public ImageHash(bool withSha384) => _sha384 = withSha384 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA384) : null;

    public void AppendData(ReadOnlySpan<byte> data)
    {
        _sha256.AppendData(data);
        _sha384?.AppendData(data);
    }

    public byte[] GetCurrentHash() => _sha256.GetCurrentHash();

    public byte[] GetHashAndReset() => _sha256.GetHashAndReset();

    public byte[] CurrentSha384() => _sha384?.GetCurrentHash() ?? [];

    public void Dispose()
    {
        _sha256.Dispose();
        _sha384?.Dispose();
    }
}
