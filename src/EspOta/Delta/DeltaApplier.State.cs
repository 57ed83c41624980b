using System.Buffers.Binary;

namespace EspOta.Delta;

public sealed partial class DeltaApplier
{
    // "DTA1": the layout version of a saved applier state.
    private const uint StateMagic = 0x31415444;

    /// <summary>
    /// The whole applier state after the last <see cref="Process"/> call, as bytes to keep with a
    /// checkpoint (a few hundred bytes for heatshrink 8/7): patch and new-image offsets, the base read
    /// position, the parser state and the decompressor state (window included), closed by a CRC-32.
    /// Restoring it and feeding the patch from <see cref="PatchOffset"/> continues exactly where this
    /// applier stands, writing every new byte once.
    /// </summary>
    public byte[] SaveState()
    {
        if (_step == Step.Failed)
        {
            throw new InvalidOperationException("a failed applier has no state worth resuming");
        }

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(StateMagic);
            writer.Write(Profile.AllowNone);
            writer.Write(Profile.AllowCrle);
            writer.Write(Profile.HeatshrinkStatic87Only);
            writer.Write(_patchSize ?? -1);
            writer.Write((byte)_step);
            writer.Write((byte)_compression);
            writer.Write(PatchOffset);
            writer.Write(OutputOffset);
            writer.Write(_toSize);
            writer.Write(_fromOffset);
            writer.Write(_chunkSize);
            writer.Write(_sizeStarted);
            writer.Write(_sizeNegative);
            writer.Write(_sizeValue);
            writer.Write(_sizeShift);
            switch (_reader)
            {
                case null:
                    writer.Write((byte)0xFF);
                    break;
                case NonePatchReader none:
                    writer.Write((byte)DetoolsCompression.None);
                    none.Save(writer);
                    break;
                case CrlePatchReader crle:
                    writer.Write((byte)DetoolsCompression.Crle);
                    crle.Save(writer);
                    break;
                case HeatshrinkPatchReader heatshrink:
                    writer.Write((byte)DetoolsCompression.Heatshrink);
                    heatshrink.Save(writer);
                    break;
            }
        }

        var bytes = new byte[stream.Length + 4];
        stream.ToArray().CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));
        return bytes;
    }

    /// <summary>
    /// An applier continuing from <paramref name="state"/> (from <see cref="SaveState"/>) over the same
    /// base; feed it the patch from its <see cref="PatchOffset"/> on. A damaged or foreign state is a
    /// <see cref="FormatException"/>.
    /// </summary>
    public static DeltaApplier Restore(ReadOnlySpan<byte> state, IDeltaBase source, IDeltaTarget target)
    {
        if (state.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(state[^4..]) != Crc32.Compute(state[..^4]))
        {
            throw new FormatException($"saved delta applier state ({state.Length} bytes) fails its CRC-32");
        }

        using var reader = new BinaryReader(new MemoryStream(state[..^4].ToArray()));
        try
        {
            if (reader.ReadUInt32() != StateMagic)
            {
                throw new FormatException("not a saved delta applier state (magic)");
            }

            var profile = new DeltaApplyProfile(reader.ReadBoolean(), reader.ReadBoolean(), reader.ReadBoolean());
            long patchSize = reader.ReadInt64();
            var applier = new DeltaApplier(source, target, profile, patchSize >= 0 ? patchSize : null)
            {
                _step = (Step)reader.ReadByte(),
                _compression = (DetoolsCompression)reader.ReadByte(),
                PatchOffset = reader.ReadInt64(),
                OutputOffset = reader.ReadInt64(),
                _toSize = reader.ReadInt64(),
                _fromOffset = reader.ReadInt64(),
                _chunkSize = reader.ReadUInt64(),
                _sizeStarted = reader.ReadBoolean(),
                _sizeNegative = reader.ReadBoolean(),
                _sizeValue = reader.ReadInt64(),
                _sizeShift = reader.ReadInt32(),
            };
            applier._reader = reader.ReadByte() switch
            {
                0xFF => null,
                (byte)DetoolsCompression.None => NonePatchReader.Load(reader),
                (byte)DetoolsCompression.Crle => CrlePatchReader.Load(reader),
                (byte)DetoolsCompression.Heatshrink => HeatshrinkPatchReader.Load(reader),
                var other => throw new FormatException($"saved delta applier state names decompressor {other}"),
            };
            if (applier._step >= Step.Failed || applier.PatchOffset < 0 || applier.OutputOffset < 0 || reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new FormatException("saved delta applier state is inconsistent");
            }

            return applier;
        }
        catch (EndOfStreamException)
        {
            throw new FormatException("saved delta applier state is truncated");
        }
    }
}
