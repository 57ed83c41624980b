using System.Buffers.Binary;
using System.Text;
using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Http;

/// <summary>
/// A checkpoint store on the device's own flash (standing in for NVS, e.g. in the <c>nvs</c> partition): an
/// append-only log of CRC-protected records over a ring of at least two sectors, the highest sequence number
/// winning. A save is one flash write (plus, when a sector is full, the erase of the sector holding the oldest
/// records), so a power cut at any byte leaves the previous checkpoint or the new one: a checkpoint written
/// after the cut never survives it, and one whose write was torn is ignored, as NVS ignores a half-written entry.
/// </summary>
/// <remarks>
/// Record (little-endian, padded with 0xFF to a multiple of 32 bytes): magic u32, length u16 (up to and with
/// the CRC), kind u8 (1 checkpoint, 2 cleared), 0xFF, sequence u32, bytes written u64, body offset u64
/// (all ones: none), SHA-256 (u8 length + UTF-8), partition label (u8 length + UTF-8), stage state (u16 length,
/// 0xFFFF: none, + bytes), CRC-32 of everything before it. The CRC is programmed last, so a prefix never verifies.
/// </remarks>
public sealed class FlashOtaCheckpointStore : IOtaCheckpointStore
{
    /// <summary>First bytes of every record ("EOCP").</summary>
    public const uint Magic = 0x50434F45;

    private const int HeaderSize = 12;
    private const int FixedSize = 28;
    private const int RecordAlignment = 32;
    private const byte KindCheckpoint = 1;
    private const byte KindCleared = 2;
    private const ushort NoState = 0xFFFF;

    private readonly IFlash _flash;
    private readonly int _sector;
    private readonly int _sectors;

    /// <summary>A store over <paramref name="length"/> bytes of <paramref name="flash"/> at <paramref name="offset"/> (whole sectors, at least two).</summary>
    public FlashOtaCheckpointStore(IFlash flash, long offset, long length)
    {
        ArgumentNullException.ThrowIfNull(flash);
        _flash = flash;
        _sector = flash.SectorSize;
        if (offset < 0 || offset % _sector != 0 || length % _sector != 0 || length < 2L * _sector || offset + length > flash.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"the checkpoint region 0x{offset:x}+0x{length:x} must be at least two whole {_sector}-byte sectors inside the flash");
        }

        Offset = offset;
        _sectors = (int)(length / _sector);
    }

    /// <summary>A store over the whole of <paramref name="partition"/> (for example <c>nvs</c>).</summary>
    public FlashOtaCheckpointStore(IFlash flash, Partition partition)
        : this(flash, (partition ?? throw new ArgumentNullException(nameof(partition))).Offset, partition.Size)
    {
    }

    /// <summary>Where the region starts.</summary>
    public long Offset { get; }

    /// <inheritdoc />
    public OtaCheckpoint? Load() => Latest() is { Kind: KindCheckpoint } latest ? latest.Checkpoint : null;

    /// <inheritdoc />
    public void Save(OtaCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Append(KindCheckpoint, checkpoint);
    }

    /// <inheritdoc />
    public void Clear()
    {
        // As nvs_erase_key on a missing key: nothing to forget, nothing written.
        if (Latest() is { Kind: KindCheckpoint })
        {
            Append(KindCleared, null);
        }
    }

    private void Append(byte kind, OtaCheckpoint? checkpoint)
    {
        var latest = Latest();
        uint sequence = latest is { } l ? l.Sequence + 1 : 1;
        byte[] record = Encode(kind, sequence, checkpoint);
        if (record.Length > _sector)
        {
            throw new ArgumentException($"a checkpoint record of {record.Length} bytes does not fit a {_sector}-byte sector", nameof(checkpoint));
        }

        int sector = latest?.Sector ?? 0;
        int at = latest?.End ?? 0;
        if (at + record.Length > _sector || !IsErased(sector, at, record.Length))
        {
            // The next sector in the ring holds only older records (or a torn tail): erasing it keeps the newest.
            if (latest is not null)
            {
                sector = (sector + 1) % _sectors;
            }

            _flash.Erase(Offset + ((long)sector * _sector), _sector);
            at = 0;
        }

        _flash.Write(Offset + ((long)sector * _sector) + at, record);
    }

    private bool IsErased(int sector, int at, int length)
    {
        var bytes = new byte[length];
        _flash.Read(Offset + ((long)sector * _sector) + at, bytes);
        return bytes.AsSpan().IndexOfAnyExcept((byte)0xFF) < 0;
    }

    // The valid record with the highest sequence number, and where the next record after it would go.
    private Record? Latest()
    {
        Record? best = null;
        var sector = new byte[_sector];
        for (int s = 0; s < _sectors; s++)
        {
            _flash.Read(Offset + ((long)s * _sector), sector);
            int at = 0;
            while (at + HeaderSize <= _sector)
            {
                var header = sector.AsSpan(at, HeaderSize);
                if (header.IndexOfAnyExcept((byte)0xFF) < 0)
                {
                    break;
                }

                int length = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
                if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic || length < FixedSize + 8 || length > _sector - at)
                {
                    // An unreadable header (torn, or erase noise): nothing after it in this sector is trusted.
                    break;
                }

                int span = (length + RecordAlignment - 1) / RecordAlignment * RecordAlignment;
                if (Decode(sector.AsSpan(at, length)) is { } record && (best is null || record.Sequence > best.Sequence))
                {
                    best = record with { Sector = s, End = Math.Min(at + span, _sector) };
                }

                at += span;
            }
        }

        return best;
    }

    private static byte[] Encode(byte kind, uint sequence, OtaCheckpoint? checkpoint)
    {
        byte[] sha = Encoding.UTF8.GetBytes(checkpoint?.Sha256 ?? "");
        byte[] label = Encoding.UTF8.GetBytes(checkpoint?.PartitionLabel ?? "");
        byte[]? state = checkpoint?.StageState;
        if (sha.Length > byte.MaxValue || label.Length > byte.MaxValue || state?.Length >= NoState)
        {
            throw new ArgumentException("a checkpoint's SHA-256, label or stage state is too long", nameof(checkpoint));
        }

        int length = FixedSize + 1 + sha.Length + 1 + label.Length + 2 + (state?.Length ?? 0) + 4;
        var record = new byte[(length + RecordAlignment - 1) / RecordAlignment * RecordAlignment];
        record.AsSpan().Fill(0xFF);
        var span = record.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], (ushort)length);
        span[6] = kind;
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], checkpoint?.BytesWritten ?? 0);
        BinaryPrimitives.WriteInt64LittleEndian(span[20..], checkpoint?.BodyOffset ?? -1);
        int at = FixedSize;
        span[at++] = (byte)sha.Length;
        sha.CopyTo(span[at..]);
        at += sha.Length;
        span[at++] = (byte)label.Length;
        label.CopyTo(span[at..]);
        at += label.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], state is null ? NoState : (ushort)state.Length);
        at += 2;
        state?.CopyTo(span[at..]);
        at += state?.Length ?? 0;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], Crc32.Compute(span[..at]));
        return record;
    }

    private static Record? Decode(ReadOnlySpan<byte> record)
    {
        int crcAt = record.Length - 4;
        if (BinaryPrimitives.ReadUInt32LittleEndian(record[crcAt..]) != Crc32.Compute(record[..crcAt]))
        {
            return null;
        }

        byte kind = record[6];
        uint sequence = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
        long written = BinaryPrimitives.ReadInt64LittleEndian(record[12..]);
        long body = BinaryPrimitives.ReadInt64LittleEndian(record[20..]);
        int at = FixedSize;
        if (!TryString(record, ref at, out string sha) || !TryString(record, ref at, out string label) || at + 2 > crcAt)
        {
            return null;
        }

        ushort stateLength = BinaryPrimitives.ReadUInt16LittleEndian(record[at..]);
        at += 2;
        byte[]? state = null;
        if (stateLength != NoState)
        {
            if (at + stateLength != crcAt)
            {
                return null;
            }

            state = record.Slice(at, stateLength).ToArray();
        }
        else if (at != crcAt)
        {
            return null;
        }

        var checkpoint = kind == KindCheckpoint
            ? new OtaCheckpoint(sha, label, written) { BodyOffset = body < 0 ? null : body, StageState = state }
            : null;
        return kind is KindCheckpoint or KindCleared ? new Record(kind, sequence, checkpoint, 0, 0) : null;
    }

    private static bool TryString(ReadOnlySpan<byte> record, ref int at, out string value)
    {
        value = "";
        if (at >= record.Length - 4 || at + 1 + record[at] > record.Length - 4)
        {
            return false;
        }

        value = Encoding.UTF8.GetString(record.Slice(at + 1, record[at]));
        at += 1 + record[at];
        return true;
    }

    private sealed record Record(byte Kind, uint Sequence, OtaCheckpoint? Checkpoint, int Sector, int End);
}
