using System.Security.Cryptography;
using EspOta.Delta;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Updates;

namespace EspOta.Payloads;

/// <summary>
/// The body is an esp_delta_ota patch (64-byte header + detools sequential patch, heatshrink 8/7): the
/// stage applies it while it downloads, reading the base from the running partition (never written)
/// and writing the new image into the session. Better than esp_delta_ota on a device in two ways: it
/// resumes (the applier's state rides in every checkpoint, each new byte is written once), and it
/// authenticates the result against the offered image's SHA-256 before the slot can be selected.
/// </summary>
/// <remarks>
/// Before anything is erased the header is checked like the https_delta_ota example does: the magic,
/// then the base hash against <c>esp_partition_get_sha256()</c> of the running partition.
/// </remarks>
public sealed class PatchingPayloadStage : IOtaPayloadStage, IDeltaTarget
{
    private readonly IFlash _flash;
    private readonly Partition _running;
    private readonly byte[] _expectedImageSha256;
    private readonly byte[] _header = new byte[DeltaOtaHeader.Size];
    private readonly MemoryStream _held = new();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _headerLength;
    private DeltaApplier? _applier;
    private OtaUpdate? _update;
    private bool _restored;

    /// <summary>
    /// A stage for a patch from the app in <paramref name="running"/> to the image whose file SHA-256
    /// is <paramref name="expectedImageSha256"/> (hex, the offer's <c>sha256</c>).
    /// </summary>
    public PatchingPayloadStage(IFlash flash, Partition running, string expectedImageSha256)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(expectedImageSha256);
        _flash = flash;
        _running = running;
        _expectedImageSha256 = Convert.FromHexString(expectedImageSha256);
    }

    /// <inheritdoc />
    public long BodyOffset { get; private set; }

    /// <inheritdoc />
    public long ImageLength => _applier?.OutputOffset ?? 0;

    /// <inheritdoc />
    public ReadOnlyMemory<byte> ImageHead =>
        _restored ? ReadOnlyMemory<byte>.Empty : _held.GetBuffer().AsMemory(0, (int)Math.Min(_held.Length, PayloadHead.Size));

    /// <inheritdoc />
    public bool ImageIsBody => false;

    /// <inheritdoc />
    public bool CanResume => true;

    /// <summary>
    /// <c>esp_partition_get_sha256()</c> of an app partition: the SHA-256 of the image as verified
    /// (what the image appends when it is valid).
    /// </summary>
    public static byte[] RunningImageSha256(IFlash flash, Partition running)
    {
        var image = AppImage.Parse(flash, running);
        return image.Digest is { } digest ? digest.Calculated.ToArray() : throw new EspException(EspError.NotFound, $"the app in {running.Label} has no appended SHA-256");
    }

    /// <inheritdoc />
    public void Restore(PayloadCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (_applier is not null || BodyOffset != 0)
        {
            throw new InvalidOperationException("Restore must come before any push or attach");
        }

        if (checkpoint.State is not { } state)
        {
            throw new EspException(EspError.InvalidArg, "a patch checkpoint without the applier state cannot continue");
        }

        DeltaApplier applier;
        try
        {
            applier = DeltaApplier.Restore(state, new FlashDeltaBase(_flash, _running), this);
        }
        catch (FormatException e)
        {
            throw new EspException(EspError.InvalidArg, $"the saved patch state cannot be restored: {e.Message}", e);
        }

        if (applier.PatchOffset + DeltaOtaHeader.Size != checkpoint.BodyOffset || applier.OutputOffset != checkpoint.ImageLength)
        {
            throw new EspException(EspError.InvalidArg, $"the saved patch state ({applier.PatchOffset} patch bytes, {applier.OutputOffset} image bytes) does not match the checkpoint ({checkpoint.BodyOffset}, {checkpoint.ImageLength})");
        }

        _applier = applier;
        _headerLength = DeltaOtaHeader.Size;
        BodyOffset = checkpoint.BodyOffset;
        _restored = true;
    }

    /// <inheritdoc />
    public void Push(ReadOnlySpan<byte> body)
    {
        int length = body.Length;
        if (_headerLength < DeltaOtaHeader.Size)
        {
            int n = Math.Min(body.Length, DeltaOtaHeader.Size - _headerLength);
            body[..n].CopyTo(_header.AsSpan(_headerLength));
            _headerLength += n;
            body = body[n..];
            if (_headerLength == DeltaOtaHeader.Size)
            {
                // The example's verify_patch_header, before the first patch byte and before any erase.
                DeltaOtaHeader.Read(_header).Verify(RunningImageSha256(_flash, _running));
                _applier = new DeltaApplier(new FlashDeltaBase(_flash, _running), this, DeltaApplyProfile.EspDeltaOta);
            }
        }

        if (!body.IsEmpty)
        {
            _applier!.Process(body);
        }

        BodyOffset += length;
    }

    /// <inheritdoc />
    public void Attach(OtaUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (_update is not null)
        {
            throw new InvalidOperationException("the stage is already attached");
        }

        _update = update;
        if (_restored)
        {
            // The prefix written before the reboot is hashed once from flash.
            var buffer = new byte[4096];
            for (long at = 0; at < update.BytesWritten; at += buffer.Length)
            {
                int n = (int)Math.Min(buffer.Length, update.BytesWritten - at);
                _flash.Read(update.Partition.Offset + at, buffer.AsSpan(0, n));
                _hash.AppendData(buffer, 0, n);
            }
        }
        else if (_held.Length > 0)
        {
            var held = _held.GetBuffer().AsSpan(0, (int)_held.Length);
            update.Write(held);
            _hash.AppendData(held);
        }

        _held.SetLength(0);
    }

    /// <inheritdoc />
    public PayloadCheckpoint Checkpoint() =>
        _applier is null
            ? new PayloadCheckpoint(BodyOffset, 0)
            : new PayloadCheckpoint(BodyOffset, ImageLength, _applier.SaveState());

    /// <inheritdoc />
    public void Complete()
    {
        if (_update is null)
        {
            throw new InvalidOperationException("Complete before Attach");
        }

        if (_applier is null)
        {
            throw new DeltaHeaderException(DeltaHeaderProblem.Truncated, $"the patch ended after {_headerLength} of the {DeltaOtaHeader.Size} header bytes");
        }

        _applier.Finalize();
        var actual = _hash.GetHashAndReset();
        if (!actual.AsSpan().SequenceEqual(_expectedImageSha256))
        {
            throw new EspException(
                EspError.OtaValidateFailed,
                $"the patched image ({_applier.OutputOffset} bytes) has SHA-256 {Convert.ToHexStringLower(actual)}, the offered image {Convert.ToHexStringLower(_expectedImageSha256)}");
        }
    }

    /// <summary>The applier's output: held until the admission check, then written to the session.</summary>
    void IDeltaTarget.Write(ReadOnlySpan<byte> data)
    {
        if (_update is null)
        {
            _held.Write(data);
            return;
        }

        _update.Write(data);
        _hash.AppendData(data);
    }
}
