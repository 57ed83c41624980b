namespace EspOta.Security;

/// <summary>
/// <c>espsecure.py sign_data --version 2 [--append_signatures]</c>, byte for byte outside the (randomized)
/// signature values.
/// </summary>
public static class ImageSigner
{
    /// <summary>
    /// Signs <paramref name="data"/> with 1 to 3 keys (key order = block order). An input that is not a
    /// multiple of 4096 bytes is padded with 0xFF first (and <paramref name="append"/> is moot). With
    /// <paramref name="append"/> on an aligned input, the leading valid blocks of its last sector are kept and
    /// that sector is stripped, unless there is no valid block, in which case the whole input is signed.
    /// Without it an aligned input is signed as it is (an old sector becomes signed data).
    /// </summary>
    /// <exception cref="SignatureException"><see cref="SignatureProblem.SectorFull"/> (3 blocks present) or
    /// <see cref="SignatureProblem.TooManyKeys"/> (more keys than free slots).</exception>
    public static SignedImage Sign(ReadOnlySpan<byte> data, IReadOnlyList<SecureBootSigningKey> keys, bool append = false)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            throw new ArgumentException("at least one signing key is needed", nameof(keys));
        }

        int padBy = 0;
        int signedLength = data.Length;
        var kept = new List<SignatureBlockV2>();
        bool appendFoundNone = false;
        if (data.Length % SignatureSector.Size != 0)
        {
            padBy = SignatureSector.Size - (data.Length % SignatureSector.Size);
        }
        else if (append && data.Length >= SignatureSector.Size)
        {
            kept.AddRange(SignatureSector.Read(data[^SignatureSector.Size..]).LeadingBlocks);
            if (kept.Count == 0)
            {
                appendFoundNone = true;
            }
            else if (kept.Count == SignatureSector.MaxBlocks)
            {
                throw new SignatureException(SignatureProblem.SectorFull,
                    $"Upto {SignatureSector.MaxBlocks} signature blocks are supported. (For ESP32-ECO3 only 1 signature block is supported)");
            }
            else
            {
                signedLength = data.Length - SignatureSector.Size;
            }
        }
        else if (append)
        {
            appendFoundNone = true;
        }

        int free = SignatureSector.MaxBlocks - kept.Count;
        if (keys.Count > free)
        {
            throw new SignatureException(SignatureProblem.TooManyKeys,
                $"Number of keys({keys.Count}) more than the empty signature blocks.({free})");
        }

        int total = signedLength + padBy;
        var output = new byte[total + SignatureSector.Size];
        data[..signedLength].CopyTo(output);
        output.AsSpan(signedLength, padBy).Fill(0xFF);
        var signed = output.AsSpan(0, total);
        var digest = SignedDataDigest.Compute(signed, keys.Any(k => k.Scheme == SignatureScheme.EcdsaP384));
        var blocks = new List<SignatureBlockV2>(kept);
        foreach (var key in keys)
        {
            blocks.Add(key.SignDigest(digest.For(key.Scheme)));
        }

        SignatureSector.Compose(blocks).CopyTo(output, total);
        return new SignedImage(output, total, padBy, kept.Count, keys.Count, appendFoundNone);
    }
}
