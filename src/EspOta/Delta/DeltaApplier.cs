namespace EspOta.Delta;

/// <summary>
/// Applies a detools <em>sequential</em> patch while it streams in, exactly as detools' C applier does
/// inside esp_delta_ota (<c>detools_apply_patch_init/process/finalize</c> in detools <c>c/detools.c</c>):
/// the same states, the same errors at the same call, the same output for damaged patches. The base is
/// read through <see cref="IDeltaBase"/>, the new image is written in order to <see cref="IDeltaTarget"/>
/// in pieces of at most 128 bytes, and the state is bounded (the heatshrink window and input buffer,
/// a 128-byte buffer, counters) and can be saved after any <see cref="Process"/> call and restored
/// after a reboot (<see cref="SaveState"/>, <see cref="Restore"/>).
/// </summary>
/// <remarks>
/// Exceptions thrown by the target (flash errors, power loss) pass through unchanged and leave the
/// applier failed; detools would report them as <see cref="DetoolsError.IoFailed"/>.
/// </remarks>
public sealed partial class DeltaApplier
{
    private const int PieceSize = 128;
    private const int NeedMore = 1;

    private readonly IDeltaBase _base;
    private readonly IDeltaTarget _target;
    private readonly byte[] _to = new byte[PieceSize];
    private readonly byte[] _from = new byte[PieceSize];
    private readonly byte[] _one = new byte[1];
    private readonly long? _patchSize;

    private Step _step = Step.FixedHeader;
    private DetoolsCompression _compression;
    private PatchReader? _reader;
    private long _toSize = -1;
    private long _fromOffset;
    private ulong _chunkSize;
    private long _fedBefore;

    // A size number being read across calls: from the raw header, or from the decompressed stream.
    private bool _sizeStarted;
    private bool _sizeNegative;
    private long _sizeValue;
    private int _sizeShift;

    /// <summary>
    /// Starts applying a patch to <paramref name="source"/>. <paramref name="patchSize"/> is the size of
    /// the detools patch if known (esp_delta_ota passes none: then a <c>none</c>-compressed patch
    /// always fails at finalize, as on a device).
    /// </summary>
    public DeltaApplier(IDeltaBase source, IDeltaTarget target, DeltaApplyProfile profile, long? patchSize = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(profile);
        if (patchSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(patchSize), patchSize, "a patch size cannot be negative");
        }

        _base = source;
        _target = target;
        Profile = profile;
        _patchSize = patchSize;
    }

    private enum Step : byte
    {
        FixedHeader,
        ToSize,
        DataFormatSize,
        DiffSize,
        DiffData,
        ExtraSize,
        ExtraData,
        Adjustment,
        Done,
        Failed,
    }

    /// <summary>The detools build this applier behaves like.</summary>
    public DeltaApplyProfile Profile { get; }

    /// <summary>How many patch bytes were fed (<c>detools_apply_patch_get_patch_offset</c>).</summary>
    public long PatchOffset { get; private set; }

    /// <summary>How many new-image bytes were written (<c>detools_apply_patch_get_to_offset</c>).</summary>
    public long OutputOffset { get; private set; }

    /// <summary>The new image's size once the patch header was read, else null.</summary>
    public long? NewSize => _toSize >= 0 ? _toSize : null;

    /// <summary>The compression named by the patch header (once read).</summary>
    public DetoolsCompression? Compression => _step > Step.FixedHeader ? _compression : null;

    /// <summary>The heatshrink configuration, once its stream header byte was read.</summary>
    public HeatshrinkParameters? Heatshrink => (_reader as HeatshrinkPatchReader)?.Parameters;

    /// <summary>Whether every new byte has been written (trailing patch bytes are then ignored).</summary>
    public bool IsDone => _step == Step.Done;

    /// <summary>Whether the applier failed (every later call fails with <see cref="DetoolsError.AlreadyFailed"/>).</summary>
    public bool IsFailed => _step == Step.Failed;

    /// <summary>
    /// Feeds the next piece of the patch (<c>detools_apply_patch_process</c>, <c>esp_delta_ota_feed_patch</c>);
    /// any split works, down to one byte. Throws <see cref="DeltaPatchException"/> at the
    /// <see cref="DeltaApplyStage.Process"/> stage.
    /// </summary>
    public void Process(ReadOnlySpan<byte> patch)
    {
        _fedBefore = PatchOffset;
        PatchOffset += patch.Length;
        var cursor = new PatchCursor(patch);
        int result = 0;
        while (cursor.Available && result >= 0)
        {
            result = ProcessOnce(ref cursor, out var detail);
            if (result < 0 && result != -(int)DetoolsError.AlreadyDone)
            {
                throw new DeltaPatchException((DetoolsError)(-result), DeltaApplyStage.Process, _fedBefore + cursor.Position, OutputOffset, detail);
            }
        }
    }

    /// <summary>
    /// Finishes the patch (<c>detools_apply_patch_finalize</c>, <c>esp_delta_ota_finalize</c>) and
    /// returns the new image's size. A patch that ended early fails here with
    /// <see cref="DetoolsError.NotEnoughPatchData"/>, even when every new byte was already written.
    /// </summary>
    public long Finalize()
    {
        _fedBefore = PatchOffset;
        var cursor = new PatchCursor([]);
        int result;
        string detail;
        do
        {
            result = ProcessOnce(ref cursor, out detail);
        }
        while (result == 0);

        if (result == NeedMore)
        {
            result = -(int)DetoolsError.NotEnoughPatchData;
            detail = "the patch ended before the new image was complete";
        }

        if (result == -(int)DetoolsError.AlreadyDone)
        {
            result = 0;
        }

        if (_reader is not null)
        {
            var end = _reader.Finish();
            if (result == 0 && end != DetoolsError.Ok)
            {
                result = -(int)end;
                detail = $"the {_compression.ToString().ToLowerInvariant()} stream did not end cleanly";
            }
        }

        if (result != 0)
        {
            _step = Step.Failed;
            throw new DeltaPatchException((DetoolsError)(-result), DeltaApplyStage.Finalize, PatchOffset, OutputOffset, detail);
        }

        return _toSize;
    }

    // One step of detools' apply_patch_process_once: 0 progress, 1 need more patch, -error.
    private int ProcessOnce(ref PatchCursor cursor, out string detail)
    {
        detail = string.Empty;
        if (_step == Step.Done)
        {
            detail = "already done";
            return -(int)DetoolsError.AlreadyDone;
        }

        if (_step == Step.Failed)
        {
            detail = "the applier failed before";
            return -(int)DetoolsError.AlreadyFailed;
        }

        try
        {
            return _step switch
            {
                Step.FixedHeader => ReadFixedHeader(ref cursor),
                Step.ToSize => ReadToSize(ref cursor),
                Step.DataFormatSize => ReadDataFormatSize(ref cursor),
                Step.DiffSize => ReadChunkSize(ref cursor, Step.DiffData),
                Step.DiffData => CopyData(ref cursor, diff: true),
                Step.ExtraSize => ReadChunkSize(ref cursor, Step.ExtraData),
                Step.ExtraData => CopyData(ref cursor, diff: false),
                _ => ReadAdjustment(ref cursor),
            };
        }
        catch (DetoolsFailure failure)
        {
            _step = Step.Failed;
            detail = failure.Message;
            return -(int)failure.Error;
        }
        catch
        {
            _step = Step.Failed;
            throw;
        }
    }

    private int ReadFixedHeader(ref PatchCursor cursor)
    {
        if (!cursor.TryGet(out byte header))
        {
            throw new DetoolsFailure(DetoolsError.ShortHeader, "the patch is empty");
        }

        int type = (header >> 4) & 0x7;
        _compression = (DetoolsCompression)(header & 0xF);
        if (type != 0)
        {
            throw new DetoolsFailure(DetoolsError.BadPatchType, $"patch header 0x{header:x2}: type {type}, only 0 (sequential) applies");
        }

        _step = Step.ToSize;
        _sizeStarted = false;
        return 0;
    }

    private int ReadToSize(ref PatchCursor cursor)
    {
        // The raw header's size is read without its sign bit (chunk_unpack_header_size).
        byte b;
        do
        {
            if (!cursor.TryGet(out b))
            {
                return NeedMore;
            }

            if (!_sizeStarted)
            {
                _sizeValue = b & 0x3F;
                _sizeShift = 6;
                _sizeStarted = true;
            }
            else
            {
                if (_sizeShift + 7 > 32)
                {
                    throw new DetoolsFailure(DetoolsError.CorruptPatchOverflow, "the new image size is longer than 32 bits");
                }

                _sizeValue |= (long)(b & 0x7F) << _sizeShift;
                _sizeShift += 7;
            }
        }
        while ((b & 0x80) != 0);

        _sizeStarted = false;
        long consumed = _fedBefore + cursor.Position;
        _reader = _compression switch
        {
            DetoolsCompression.None when Profile.AllowNone => new NonePatchReader(_patchSize is { } size ? size - consumed : -1),
            DetoolsCompression.Crle when Profile.AllowCrle => new CrlePatchReader(),
            DetoolsCompression.Heatshrink => new HeatshrinkPatchReader(Profile.HeatshrinkStatic87Only),
            _ => throw new DetoolsFailure(DetoolsError.BadCompression, $"compression {(int)_compression} ({_compression.ToString().ToLowerInvariant()}) is not built into this applier"),
        };
        _toSize = _sizeValue;
        _step = _toSize > 0 ? Step.DataFormatSize : Step.Done;
        return 0;
    }

    private int ReadDataFormatSize(ref PatchCursor cursor)
    {
        if (!TryReadStreamSize(ref cursor, out long size))
        {
            return NeedMore;
        }

        if (size > 0)
        {
            throw new DetoolsFailure(DetoolsError.NotImplemented, $"a data-format section of {size} bytes (not supported by the C applier)");
        }

        _step = Step.DiffSize;
        return 0;
    }

    private int ReadChunkSize(ref PatchCursor cursor, Step next)
    {
        if (!TryReadStreamSize(ref cursor, out long size))
        {
            return NeedMore;
        }

        // detools compares in size_t: a negative size wraps around and passes while it does not
        // reach back before the start; the copy that follows then runs until the patch ends.
        if ((ulong)(OutputOffset + size) > (ulong)_toSize)
        {
            throw new DetoolsFailure(DetoolsError.CorruptPatch, $"{(next == Step.DiffData ? "diff" : "extra")} size {size} at new image byte {OutputOffset} passes the new size {_toSize}");
        }

        _chunkSize = (ulong)size;
        _step = next;
        return 0;
    }

    private int CopyData(ref PatchCursor cursor, bool diff)
    {
        int wanted = (int)Math.Min((ulong)PieceSize, _chunkSize);
        if (wanted == 0)
        {
            _step = diff ? Step.ExtraSize : Step.Adjustment;
            return 0;
        }

        var to = _to.AsSpan(0, wanted);
        int n = _reader!.Decompress(ref cursor, to);
        if (n == 0)
        {
            return NeedMore;
        }

        to = to[..n];
        if (diff)
        {
            if (_fromOffset < 0 || _fromOffset + n > _base.Length)
            {
                throw new DetoolsFailure(DetoolsError.IoFailed, $"reading {n} base bytes at {_fromOffset}, outside the {_base.Length}-byte base");
            }

            var from = _from.AsSpan(0, n);
            _base.Read(_fromOffset, from);
            _fromOffset += n;
            for (int i = 0; i < n; i++)
            {
                to[i] += from[i];
            }
        }

        OutputOffset += n;
        _chunkSize -= (ulong)n;
        _target.Write(to);
        return 0;
    }

    private int ReadAdjustment(ref PatchCursor cursor)
    {
        if (!TryReadStreamSize(ref cursor, out long offset))
        {
            return NeedMore;
        }

        _fromOffset += offset;
        _step = OutputOffset == _toSize ? Step.Done : Step.DiffSize;
        return 0;
    }

    // patch_reader_unpack_size: a signed size number taken one decompressed byte at a time.
    private bool TryReadStreamSize(ref PatchCursor cursor, out long value)
    {
        value = 0;
        var one = _one.AsSpan();
        byte b;
        do
        {
            if (_reader!.Decompress(ref cursor, one) == 0)
            {
                return false;
            }

            b = one[0];
            if (!_sizeStarted)
            {
                _sizeNegative = (b & 0x40) != 0;
                _sizeValue = b & 0x3F;
                _sizeShift = 6;
                _sizeStarted = true;
            }
            else
            {
                if (_sizeShift + 7 > 32)
                {
                    throw new DetoolsFailure(DetoolsError.CorruptPatchOverflow, "a size number is longer than 32 bits");
                }

                _sizeValue |= (long)(b & 0x7F) << _sizeShift;
                _sizeShift += 7;
            }
        }
        while ((b & 0x80) != 0);

        _sizeStarted = false;
        value = _sizeNegative ? -_sizeValue : _sizeValue;
        return true;
    }
}
