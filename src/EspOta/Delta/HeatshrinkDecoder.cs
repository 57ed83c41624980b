namespace EspOta.Delta;

/// <summary>
/// heatshrink's LZSS decoder as detools' C applier drives it (heatshrink <c>heatshrink_decoder.c</c>, v0.4.1):
/// a sink of input bytes into a 256-byte input buffer, a poll that runs the state machine until input or
/// output runs out, and a finish check. The window starts zero-filled, so a back-reference before the
/// start of the stream yields zeros — exactly what a device does with a damaged stream. All state fits in
/// a window, a 256-byte input buffer and a few counters, and can be saved and restored.
/// </summary>
public sealed class HeatshrinkDecoder
{
    /// <summary>The input buffer of the static configuration (<c>HEATSHRINK_STATIC_INPUT_BUFFER_SIZE</c>), and of detools' dynamic one.</summary>
    public const int InputBufferSize = 256;

    private readonly byte[] _input = new byte[InputBufferSize];
    private readonly byte[] _window;
    private readonly int _mask;
    private int _inputSize;
    private int _inputIndex;
    private int _outputCount;
    private int _outputIndex;
    private int _headIndex;
    private State _state;
    private byte _currentByte;
    private byte _bitIndex;

    /// <summary>Creates a decoder for <paramref name="parameters"/> (which must be supported).</summary>
    public HeatshrinkDecoder(HeatshrinkParameters parameters)
    {
        if (!parameters.IsSupported)
        {
            throw new ArgumentOutOfRangeException(nameof(parameters), parameters, "heatshrink supports windows of 4..15 bits and a lookahead of 3 bits up to the window minus one");
        }

        Parameters = parameters;
        _window = new byte[1 << parameters.WindowBits];
        _mask = _window.Length - 1;
    }

    private enum State : byte
    {
        TagBit = 0,
        YieldLiteral = 1,
        BackrefIndexMsb = 2,
        BackrefIndexLsb = 3,
        BackrefCountMsb = 4,
        BackrefCountLsb = 5,
        YieldBackref = 6,
    }

    /// <summary>The window and lookahead sizes.</summary>
    public HeatshrinkParameters Parameters { get; }

    /// <summary>How many bytes of state <see cref="SaveState"/> writes.</summary>
    public int StateSize => 2 + InputBufferSize + _window.Length + 12;

    /// <summary>Puts one byte into the input buffer; false when the buffer is full (<c>HSDR_SINK_FULL</c>).</summary>
    public bool Sink(byte value)
    {
        if (_inputSize == InputBufferSize)
        {
            return false;
        }

        _input[_inputSize++] = value;
        return true;
    }

    /// <summary>
    /// Decodes into <paramref name="destination"/> until the output is full or the input is exhausted;
    /// returns the number of bytes written.
    /// </summary>
    public int Poll(Span<byte> destination)
    {
        int written = 0;
        while (true)
        {
            State before = _state;
            _state = before switch
            {
                State.TagBit => TagBit(),
                State.YieldLiteral => YieldLiteral(destination, ref written),
                State.BackrefIndexMsb => BackrefIndexMsb(),
                State.BackrefIndexLsb => BackrefIndexLsb(),
                State.BackrefCountMsb => BackrefCountMsb(),
                State.BackrefCountLsb => BackrefCountLsb(),
                _ => YieldBackref(destination, ref written),
            };

            if (_state == before)
            {
                return written;
            }
        }
    }

    /// <summary>
    /// <c>heatshrink_decoder_finish</c> == <c>HSDR_FINISH_DONE</c>: the input is used up and no
    /// back-reference is left half-copied (zero padding of the last byte is fine).
    /// </summary>
    public bool IsFinished => _state != State.YieldBackref && _inputSize == 0;

    /// <summary>Writes the whole decoder state (for a resumable applier).</summary>
    public void SaveState(BinaryWriter writer)
    {
        writer.Write((byte)Parameters.WindowBits);
        writer.Write((byte)Parameters.LookaheadBits);
        writer.Write(_input);
        writer.Write(_window);
        writer.Write((ushort)_inputSize);
        writer.Write((ushort)_inputIndex);
        writer.Write((ushort)_outputCount);
        writer.Write((ushort)_outputIndex);
        writer.Write((ushort)_headIndex);
        writer.Write((byte)_state);
        writer.Write(_currentByte);
        writer.Write(_bitIndex);
        writer.Write((byte)0);
    }

    /// <summary>Reads a state written by <see cref="SaveState"/>.</summary>
    public static HeatshrinkDecoder LoadState(BinaryReader reader)
    {
        var parameters = new HeatshrinkParameters(reader.ReadByte(), reader.ReadByte());
        if (!parameters.IsSupported)
        {
            throw new FormatException($"saved heatshrink state has an unsupported configuration ({parameters})");
        }

        var decoder = new HeatshrinkDecoder(parameters);
        ReadExactly(reader, decoder._input);
        ReadExactly(reader, decoder._window);
        decoder._inputSize = reader.ReadUInt16();
        decoder._inputIndex = reader.ReadUInt16();
        decoder._outputCount = reader.ReadUInt16();
        decoder._outputIndex = reader.ReadUInt16();
        decoder._headIndex = reader.ReadUInt16() & decoder._mask;
        byte state = reader.ReadByte();
        decoder._currentByte = reader.ReadByte();
        decoder._bitIndex = reader.ReadByte();
        reader.ReadByte();
        if (state > (byte)State.YieldBackref || decoder._inputSize > InputBufferSize || decoder._inputIndex > decoder._inputSize
            || (decoder._bitIndex & (decoder._bitIndex - 1)) != 0)
        {
            throw new FormatException("saved heatshrink state is inconsistent");
        }

        decoder._state = (State)state;
        return decoder;
    }

    private static void ReadExactly(BinaryReader reader, byte[] destination)
    {
        if (reader.Read(destination, 0, destination.Length) != destination.Length)
        {
            throw new FormatException("saved heatshrink state is truncated");
        }
    }

    private State TagBit()
    {
        int bit = GetBits(1);
        if (bit < 0)
        {
            return State.TagBit;
        }

        if (bit != 0)
        {
            return State.YieldLiteral;
        }

        if (Parameters.WindowBits > 8)
        {
            return State.BackrefIndexMsb;
        }

        _outputIndex = 0;
        return State.BackrefIndexLsb;
    }

    private State YieldLiteral(Span<byte> destination, ref int written)
    {
        if (written >= destination.Length)
        {
            return State.YieldLiteral;
        }

        int value = GetBits(8);
        if (value < 0)
        {
            return State.YieldLiteral;
        }

        byte b = (byte)value;
        _window[_headIndex] = b;
        _headIndex = (_headIndex + 1) & _mask;
        destination[written++] = b;
        return State.TagBit;
    }

    private State BackrefIndexMsb()
    {
        int bits = GetBits(Parameters.WindowBits - 8);
        if (bits < 0)
        {
            return State.BackrefIndexMsb;
        }

        _outputIndex = bits << 8;
        return State.BackrefIndexLsb;
    }

    private State BackrefIndexLsb()
    {
        int bits = GetBits(Math.Min(Parameters.WindowBits, 8));
        if (bits < 0)
        {
            return State.BackrefIndexLsb;
        }

        _outputIndex = (_outputIndex | bits) + 1;
        _outputCount = 0;
        return Parameters.LookaheadBits > 8 ? State.BackrefCountMsb : State.BackrefCountLsb;
    }

    private State BackrefCountMsb()
    {
        int bits = GetBits(Parameters.LookaheadBits - 8);
        if (bits < 0)
        {
            return State.BackrefCountMsb;
        }

        _outputCount = bits << 8;
        return State.BackrefCountLsb;
    }

    private State BackrefCountLsb()
    {
        int bits = GetBits(Math.Min(Parameters.LookaheadBits, 8));
        if (bits < 0)
        {
            return State.BackrefCountLsb;
        }

        _outputCount = (_outputCount | bits) + 1;
        return State.YieldBackref;
    }

    private State YieldBackref(Span<byte> destination, ref int written)
    {
        int count = Math.Min(destination.Length - written, _outputCount);
        if (count <= 0)
        {
            return State.YieldBackref;
        }

        int distance = _outputIndex;
        for (int i = 0; i < count; i++)
        {
            byte b = _window[(_headIndex - distance) & _mask];
            destination[written++] = b;
            _window[_headIndex] = b;
            _headIndex = (_headIndex + 1) & _mask;
        }

        _outputCount -= count;
        return _outputCount == 0 ? State.TagBit : State.YieldBackref;
    }

    // heatshrink's get_bits: suspend without consuming anything unless all `count` bits are there
    // (the current byte's remaining bits, or a buffered byte; detools never asks for more than 8).
    private int GetBits(int count)
    {
        if (_inputSize == 0 && _bitIndex < (1 << (count - 1)))
        {
            return -1;
        }

        int accumulator = 0;
        for (int i = 0; i < count; i++)
        {
            if (_bitIndex == 0)
            {
                if (_inputSize == 0)
                {
                    return -1;
                }

                _currentByte = _input[_inputIndex++];
                if (_inputIndex == _inputSize)
                {
                    _inputIndex = 0;
                    _inputSize = 0;
                }

                _bitIndex = 0x80;
            }

            accumulator <<= 1;
            if ((_currentByte & _bitIndex) != 0)
            {
                accumulator |= 1;
            }

            _bitIndex >>= 1;
        }

        return accumulator;
    }
}
