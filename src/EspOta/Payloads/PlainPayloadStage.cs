using EspOta.Updates;

namespace EspOta.Payloads;

/// <summary>
/// The body is the app image (a plain <c>esp_https_ota</c> download): bytes go to the session as they
/// arrive; before the session is attached the first <see cref="PayloadHead.Size"/> bytes are held.
/// </summary>
public sealed class PlainPayloadStage : IOtaPayloadStage
{
    private byte[] _held = new byte[PayloadHead.Size];
    private int _heldLength;
    private OtaUpdate? _update;

    /// <inheritdoc />
    public long BodyOffset { get; private set; }

    /// <inheritdoc />
    public long ImageLength => BodyOffset;

    /// <inheritdoc />
    public ReadOnlyMemory<byte> ImageHead => _held.AsMemory(0, _heldLength);

    /// <inheritdoc />
    public bool ImageIsBody => true;

    /// <inheritdoc />
    public bool CanResume => true;

    /// <inheritdoc />
    public void Restore(PayloadCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (_update is not null || BodyOffset != 0)
        {
            throw new InvalidOperationException("Restore must come before any push or attach");
        }

        if (checkpoint.BodyOffset != checkpoint.ImageLength || checkpoint.BodyOffset < 0)
        {
            throw new EspException(EspError.InvalidArg, $"a plain payload checkpoint has equal body and image offsets, got {checkpoint.BodyOffset} and {checkpoint.ImageLength}");
        }

        BodyOffset = checkpoint.BodyOffset;
        _held = [];
    }

    /// <inheritdoc />
    public void Push(ReadOnlySpan<byte> body)
    {
        if (_update is null)
        {
            int room = _held.Length - _heldLength;
            if (body.Length > room)
            {
                throw new InvalidOperationException($"the plain stage holds at most {_held.Length} bytes before Attach");
            }

            body.CopyTo(_held.AsSpan(_heldLength));
            _heldLength += body.Length;
        }
        else
        {
            _update.Write(body);
        }

        BodyOffset += body.Length;
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
        if (_heldLength > 0)
        {
            update.Write(_held.AsSpan(0, _heldLength));
        }
    }

    /// <inheritdoc />
    public PayloadCheckpoint Checkpoint() => new(BodyOffset, ImageLength);

    /// <inheritdoc />
    public void Complete()
    {
        if (_update is null)
        {
            throw new InvalidOperationException("Complete before Attach");
        }
    }
}
