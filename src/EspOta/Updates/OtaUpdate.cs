using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Updates;

/// <summary>
/// One OTA session (an <c>esp_ota_handle_t</c>): <see cref="Write"/>/<see cref="WriteAt"/> the image,
/// then <see cref="End"/> verifies it. Disposing without <see cref="End"/> aborts (<c>esp_ota_abort</c>);
/// like the C handle, the session is gone after <see cref="End"/> whether or not it succeeded.
/// </summary>
public sealed class OtaUpdate : IDisposable
{
    private readonly OtaOperations _owner;
    private readonly IFlash _flash;
    private readonly bool _resumption;
    private readonly bool _needErase;

    internal OtaUpdate(OtaOperations owner, IFlash flash, Partition partition, bool needErase, long wroteSize, bool resumption)
    {
        _owner = owner;
        _flash = flash;
        Partition = partition;
        FinalPartition = partition;
        _needErase = needErase;
        BytesWritten = wroteSize;
        _resumption = resumption;
    }

    /// <summary>The partition written to (the staging partition).</summary>
    public Partition Partition { get; }

    /// <summary>The flash the session writes (a resuming payload stage reads its own earlier output back).</summary>
    internal IFlash Flash => _flash;

    /// <summary>The partition the image is meant for; its type decides the checks (see <see cref="SetFinalPartition"/>).</summary>
    public Partition FinalPartition { get; private set; }

    /// <summary>Whether <see cref="End"/> copies the staging partition onto <see cref="FinalPartition"/>.</summary>
    public bool FinalizeWithCopy { get; private set; }

    /// <summary><c>wrote_size</c>: bytes accepted so far (including a resumed offset).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>False once ended, aborted or disposed.</summary>
    public bool IsOpen { get; private set; } = true;

    /// <summary>
    /// <c>esp_ota_write</c>: appends <paramref name="data"/>. With sequential writes the sectors it
    /// reaches are erased first; the first byte of an app or bootloader image must be 0xE9.
    /// </summary>
    /// <exception cref="EspException"><see cref="EspError.OtaValidateFailed"/> for a bad magic; <see cref="EspError.InvalidSize"/> past the partition end.</exception>
    public void Write(ReadOnlySpan<byte> data)
    {
        ThrowIfClosed();
        if (data.IsEmpty)
        {
            return;
        }

        int sector = _flash.SectorSize;
        if (_needErase)
        {
            long firstSector = BytesWritten / sector;
            long lastSector = (BytesWritten + data.Length - 1) / sector;
            if (BytesWritten % sector == 0)
            {
                EraseRange(Partition, BytesWritten, (lastSector - firstSector + 1) * sector);
            }
            else if (firstSector != lastSector)
            {
                EraseRange(Partition, (firstSector + 1) * sector, (lastSector - firstSector) * sector);
            }
        }

        if (BytesWritten == 0)
        {
            CheckMagic(data);
        }

        WriteRange(Partition, BytesWritten, data);
        BytesWritten += data.Length;
    }

    /// <summary>
    /// <c>esp_ota_write_with_offset</c>: writes <paramref name="data"/> at <paramref name="offset"/> in the
    /// partition, with no magic check; not allowed with sequential writes (nothing would erase first).
    /// </summary>
    public void WriteAt(long offset, ReadOnlySpan<byte> data)
    {
        ThrowIfClosed();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (_needErase)
        {
            throw new InvalidOperationException("WriteAt needs the partition erased in Begin; this session uses sequential writes");
        }

        WriteRange(Partition, offset, data);
        BytesWritten += data.Length;
    }

    /// <summary>
    /// <c>esp_ota_set_final_partition</c>: write into this (staging) partition but verify, and
    /// optionally copy, as <paramref name="final"/>. Only before the first write (unless resumed).
    /// </summary>
    public void SetFinalPartition(Partition? final, bool finalizeWithCopy)
    {
        ThrowIfClosed();
        if (final is null)
        {
            throw new EspException(EspError.InvalidArg, "final partition is null");
        }

        if (!_resumption && BytesWritten != 0)
        {
            throw new EspException(EspError.InvalidState, $"{BytesWritten} bytes were already written; the final partition must be set first");
        }

        if (final != Partition)
        {
            _owner.RequireInTableOrExternal(final);
            FinalPartition = final;
            FinalizeWithCopy = finalizeWithCopy;
        }
    }

    /// <summary>
    /// <c>esp_ota_end</c>: verifies the image (app and bootloader targets through the device's
    /// validator, partition tables by parsing them; other data is accepted) and copies it to the final
    /// partition if asked. The session is closed either way.
    /// </summary>
    /// <returns>The verification <c>esp_ota_end</c> computed (for app and bootloader images, with the image's SHA-256 when the validator is ESP image verification); a plain valid verdict for other partitions.</returns>
    /// <exception cref="EspException"><see cref="EspError.InvalidArg"/> when nothing was written; <see cref="EspError.OtaValidateFailed"/>.</exception>
    public AppImageValidation End()
    {
        ThrowIfClosed();
        IsOpen = false;
        if (BytesWritten == 0)
        {
            throw new EspException(EspError.InvalidArg, $"esp_ota_end on {Partition.Label}: no data was written");
        }

        var verdict = Verify();
        if (FinalizeWithCopy)
        {
            CopyToFinal();
        }

        return verdict;
    }

    /// <summary><c>esp_ota_abort</c>: forgets the session; what was written stays on flash.</summary>
    /// <exception cref="EspException"><see cref="EspError.NotFound"/> when the session is already closed.</exception>
    public void Abort()
    {
        if (!IsOpen)
        {
            throw new EspException(EspError.NotFound, "the OTA handle is already closed");
        }

        IsOpen = false;
    }

    /// <summary>A write-only stream over <see cref="Write"/>, for <c>CopyToAsync</c>; disposing it does not end the session.</summary>
    public Stream AsStream() => new OtaUpdateStream(this);

    /// <summary>Aborts the session if it is still open.</summary>
    public void Dispose() => IsOpen = false;

    private AppImageValidation Verify()
    {
        switch (FinalPartition.Type)
        {
            case PartitionType.App or PartitionType.Bootloader:
                // esp_ota_begin / set_final_partition point esp_image's bootloader offset at the staging partition, so a
                // bootloader target is verified as a bootloader (an app validator would demand an app description).
                var verdict = FinalPartition.Type == PartitionType.Bootloader
                    ? _owner.Validator.ValidateBootloader(_flash, Partition)
                    : _owner.Validator.Validate(_flash, Partition);
                if (!verdict.IsValid)
                {
                    throw new EspException(EspError.OtaValidateFailed, $"the image in {Partition.Label} does not verify: {verdict.Reason ?? "invalid"}");
                }

                return verdict;
            case PartitionType.PartitionTable:
                var table = new byte[PartitionTable.MaxLength];
                _flash.Read(Partition.Offset, table);
                try
                {
                    PartitionTable.FromBinary(table);
                }
                catch (PartitionTableException ex)
                {
                    throw new EspException(EspError.OtaValidateFailed, $"the partition table in {Partition.Label} does not verify: {ex.Message}", ex);
                }

                return AppImageValidation.Valid();
            default:
                return AppImageValidation.Valid();
        }
    }

    // esp_ota_end copies the final partition's size (esp_partition_copy fails if the staging one is smaller).
    private void CopyToFinal() => PartitionCopy.Copy(_flash, FinalPartition, Partition, Math.Min(FinalPartition.Size, Partition.Size));

    private void CheckMagic(ReadOnlySpan<byte> data)
    {
        if (FinalPartition.Type is PartitionType.App or PartitionType.Bootloader && data[0] != ImageHeader.ImageMagic)
        {
            throw new EspException(EspError.OtaValidateFailed, $"OTA image for {FinalPartition.Label} has invalid magic byte: expected 0x{ImageHeader.ImageMagic:x2}, saw 0x{data[0]:x2}");
        }

        if (FinalPartition.Type == PartitionType.PartitionTable
            && (data.Length < 2 || System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(data) != PartitionEntry.Magic))
        {
            throw new EspException(EspError.OtaValidateFailed, $"partition table image for {FinalPartition.Label} has an invalid magic word (expected 0x{PartitionEntry.Magic:x4})");
        }
    }

    private void EraseRange(Partition partition, long offset, long length)
    {
        if (offset + length > partition.Size)
        {
            throw new EspException(EspError.InvalidSize, $"erase of 0x{length:x} bytes at 0x{offset:x} runs past the end of {partition.Label} (0x{partition.Size:x} bytes)");
        }

        _flash.Erase(partition.Offset + offset, length);
    }

    private void WriteRange(Partition partition, long offset, ReadOnlySpan<byte> data)
    {
        if (offset + data.Length > partition.Size)
        {
            throw new EspException(EspError.InvalidSize, $"write of 0x{data.Length:x} bytes at 0x{offset:x} runs past the end of {partition.Label} (0x{partition.Size:x} bytes)");
        }

        _flash.Write(partition.Offset + offset, data);
    }

    private void ThrowIfClosed()
    {
        if (!IsOpen)
        {
            throw new InvalidOperationException($"the OTA session on {Partition.Label} is closed (ended or aborted)");
        }
    }
}
