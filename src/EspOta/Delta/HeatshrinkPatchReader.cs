namespace EspOta.Delta;

/// <summary>
/// heatshrink: the first stream byte says window and lookahead, then LZSS data fed to the decoder one
/// byte at a time, as detools' <c>patch_reader_heatshrink_decompress</c> does.
/// </summary>
internal sealed class HeatshrinkPatchReader(bool static87Only) : PatchReader
{
    private HeatshrinkDecoder? _decoder;

    public HeatshrinkParameters? Parameters => _decoder?.Parameters;

    public static HeatshrinkPatchReader Load(BinaryReader reader)
    {
        var result = new HeatshrinkPatchReader(reader.ReadBoolean());
        if (reader.ReadBoolean())
        {
            result._decoder = HeatshrinkDecoder.LoadState(reader);
        }

        return result;
    }

    public override int Decompress(ref PatchCursor cursor, Span<byte> destination)
    {
        if (_decoder is null)
        {
            if (!cursor.TryGet(out byte header))
            {
                return 0;
            }

            var parameters = HeatshrinkParameters.FromHeaderByte(header);
            bool ok = static87Only ? parameters == HeatshrinkParameters.EspDeltaOta : parameters.IsSupported;
            if (!ok)
            {
                throw new DetoolsFailure(DetoolsError.HeatshrinkHeader, $"heatshrink header 0x{header:x2} ({parameters}) is not supported by this decoder");
            }

            _decoder = new HeatshrinkDecoder(parameters);
        }

        int produced = 0;
        while (true)
        {
            produced += _decoder.Poll(destination[produced..]);
            if (produced == destination.Length)
            {
                return produced;
            }

            if (!cursor.TryGet(out byte b))
            {
                return produced;
            }

            if (!_decoder.Sink(b))
            {
                throw new DetoolsFailure(DetoolsError.HeatshrinkSink, "heatshrink input buffer full");
            }
        }
    }

    public override DetoolsError Finish() =>
        _decoder is null || _decoder.IsFinished ? DetoolsError.Ok : DetoolsError.CorruptPatch;

    public override void Save(BinaryWriter writer)
    {
        writer.Write(static87Only);
        writer.Write(_decoder is not null);
        _decoder?.SaveState(writer);
    }
}
