using EspOta.Images;

namespace EspOta.Delta;

/// <summary>
/// Makes detools sequential patches (bsdiff records over an SA-IS suffix array, heatshrink or no
/// compression) that detools' own applier — and so an esp_delta_ota device — applies; with the
/// esp_delta_ota header by default, like <c>esp_delta_ota_patch_gen.py create_patch</c>.
/// </summary>
public static class DeltaPatchCreator
{
    /// <summary>
    /// The patch turning <paramref name="baseImage"/> into <paramref name="newImage"/>. With the header,
    /// the base must be an app image with a valid appended SHA-256 (else, like the patch tool, there is
    /// nothing to put in the header: <see cref="EspError.NotFound"/>).
    /// </summary>
    public static byte[] Create(ReadOnlySpan<byte> baseImage, ReadOnlySpan<byte> newImage, DeltaCreateOptions? options = null)
    {
        options ??= new DeltaCreateOptions();
        using var output = new MemoryStream();
        if (options.EspDeltaOtaHeader)
        {
            var header = DeltaOtaHeader.For(ValidationHash(baseImage));
            var bytes = new byte[DeltaOtaHeader.Size];
            header.WriteTo(bytes);
            output.Write(bytes);
        }

        WriteDetoolsPatch(baseImage, newImage, options, output);
        return output.ToArray();
    }

    /// <summary>
    /// The appended SHA-256 of an app image as <c>esptool.py image_info</c> prints it ("Validation Hash")
    /// and <c>esp_partition_get_sha256()</c> returns for the running app.
    /// </summary>
    public static byte[] ValidationHash(ReadOnlySpan<byte> appImage)
    {
        AppImage image;
        try
        {
            image = AppImage.Parse(appImage);
        }
        catch (ImageFormatException ex)
        {
            throw new EspException(EspError.NotFound, $"failed to find validation hash in base binary: it is not an app image ({ex.Message})", ex);
        }

        if (image.Digest is not { IsValid: true } digest)
        {
            throw new EspException(EspError.NotFound, "failed to find validation hash in base binary: it has no valid appended SHA-256");
        }

        return digest.Stored.ToArray();
    }

    private static void WriteDetoolsPatch(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to, DeltaCreateOptions options, MemoryStream output)
    {
        if (options.Compression is not (DetoolsCompression.Heatshrink or DetoolsCompression.None or DetoolsCompression.Crle))
        {
            throw new ArgumentException($"patches are made with heatshrink, crle or none, not {options.Compression}", nameof(options));
        }

        if (options.Compression == DetoolsCompression.Heatshrink && !options.Heatshrink.IsSupported)
        {
            throw new ArgumentException($"heatshrink {options.Heatshrink} is not supported", nameof(options));
        }

        output.WriteByte((byte)options.Compression);
        output.Write(DetoolsSize.Encode(to.Length));
        if (to.IsEmpty)
        {
            return;
        }

        using var stream = new MemoryStream(to.Length / 4);
        void Size(long value) => stream.Write(DetoolsSize.Encode(value));

        // The data-format section: none.
        Size(0);
        var difference = new byte[4096];
        foreach (var record in BsDiff.Diff(from, to))
        {
            Size(record.DiffLength);
            for (int done = 0; done < record.DiffLength; done += difference.Length)
            {
                int n = Math.Min(difference.Length, record.DiffLength - done);
                for (int i = 0; i < n; i++)
                {
                    difference[i] = (byte)(to[record.NewPosition + done + i] - from[record.BasePosition + done + i]);
                }

                stream.Write(difference, 0, n);
            }

            Size(record.ExtraLength);
            stream.Write(to.Slice(record.NewPosition + record.DiffLength, record.ExtraLength));
            Size(record.Adjustment);
        }

        var plain = stream.GetBuffer().AsSpan(0, (int)stream.Length);
        if (options.Compression == DetoolsCompression.None)
        {
            output.Write(plain);
            return;
        }

        if (options.Compression == DetoolsCompression.Crle)
        {
            output.Write(CrleEncoder.Compress(plain));
            return;
        }

        output.WriteByte(options.Heatshrink.ToHeaderByte());
        output.Write(HeatshrinkEncoder.Compress(plain, options.Heatshrink));
    }
}
