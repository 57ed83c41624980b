namespace EspOta.Delta;

/// <summary>
/// CRLE (detools <c>compression/crle.py</c>, C <c>patch_reader_crle_*</c>): records of kind 0
/// ("scattered": a length, then that many literal bytes) and kind 1 ("repeated": a count, then one
/// byte to repeat). Lengths are unsigned 7-bit groups, least significant first.
/// </summary>
internal sealed class CrlePatchReader : PatchReader
{
    private Step _step;
    private int _value;
    private int _shift;
    private long _left;
    private byte _repeated;

    private enum Step : byte
    {
        Idle,
        ScatteredSize,
        ScatteredData,
        RepeatedCount,
        RepeatedValue,
        RepeatedData,
    }

    public static CrlePatchReader Load(BinaryReader reader)
    {
        var result = new CrlePatchReader
        {
            _step = (Step)reader.ReadByte(),
            _value = reader.ReadInt32(),
            _shift = reader.ReadInt32(),
            _left = reader.ReadInt64(),
            _repeated = reader.ReadByte(),
        };
        if (result._step > Step.RepeatedData)
        {
            throw new FormatException("saved CRLE state is inconsistent");
        }

        return result;
    }

    public override int Decompress(ref PatchCursor cursor, Span<byte> destination)
    {
        while (true)
        {
            switch (_step)
            {
                case Step.Idle:
                    if (!cursor.TryGet(out byte kind))
                    {
                        return 0;
                    }

                    _step = kind switch
                    {
                        0 => Step.ScatteredSize,
                        1 => Step.RepeatedCount,
                        _ => throw new DetoolsFailure(DetoolsError.CorruptPatchCrleKind, $"CRLE record kind {kind}, expected 0 or 1"),
                    };
                    _value = 0;
                    _shift = 0;
                    break;

                case Step.ScatteredSize:
                case Step.RepeatedCount:
                    if (!TryReadUsize(ref cursor))
                    {
                        return 0;
                    }

                    _left = _value;
                    _step = _step == Step.ScatteredSize ? Step.ScatteredData : Step.RepeatedValue;
                    break;

                case Step.ScatteredData:
                    if (_left == 0)
                    {
                        // An empty record (what the compressor flushes for empty input) produces nothing.
                        _step = Step.Idle;
                        break;
                    }

                    if (!cursor.Available)
                    {
                        return 0;
                    }

                    int n = cursor.Read(destination[..(int)Math.Min(destination.Length, _left)]);
                    _left -= n;
                    if (_left == 0)
                    {
                        _step = Step.Idle;
                    }

                    return n;

                case Step.RepeatedValue:
                    if (!cursor.TryGet(out _repeated))
                    {
                        return 0;
                    }

                    _step = Step.RepeatedData;
                    break;

                default:
                    if (_left == 0)
                    {
                        _step = Step.Idle;
                        break;
                    }

                    int count = (int)Math.Min(destination.Length, _left);
                    destination[..count].Fill(_repeated);
                    _left -= count;
                    if (_left == 0)
                    {
                        _step = Step.Idle;
                    }

                    return count;
            }
        }
    }

    public override DetoolsError Finish() => DetoolsError.Ok;

    public override void Save(BinaryWriter writer)
    {
        writer.Write((byte)_step);
        writer.Write(_value);
        writer.Write(_shift);
        writer.Write(_left);
        writer.Write(_repeated);
    }

    private bool TryReadUsize(ref PatchCursor cursor)
    {
        byte b;
        do
        {
            if (!cursor.TryGet(out b))
            {
                return false;
            }

            if (_shift + 7 > 32)
            {
                throw new DetoolsFailure(DetoolsError.CorruptPatchOverflow, "CRLE size number longer than 32 bits");
            }

            _value |= (b & 0x7F) << _shift;
            _shift += 7;
        }
        while ((b & 0x80) != 0);

        return true;
    }
}
