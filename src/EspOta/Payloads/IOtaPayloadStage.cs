using EspOta.Updates;

namespace EspOta.Payloads;

/// <summary>
/// The stage between an HTTP body and an <see cref="OtaUpdate"/>: it consumes the bytes the server
/// sends (the <em>body</em>) and produces the bytes of the app image that go to flash (the
/// <em>image</em>). The plain stage (<see cref="PlainPayloadStage"/>) passes the body through; a
/// decrypting stage (<c>esp_encrypted_img</c>) or a patching stage (<c>esp_delta_ota</c>) transforms it.
/// </summary>
/// <remarks>
/// <para>The download (<c>Http.RangedDownload</c>) drives a stage in this order, once per install:</para>
/// <list type="number">
/// <item><see cref="Restore"/> (only when resuming from a checkpoint), then</item>
/// <item><see cref="Push"/> with body bytes in order, starting at <see cref="BodyOffset"/>. Before
/// <see cref="Attach"/> the stage must <b>hold</b> the image bytes it produces (nothing may be erased
/// before the admission check) and expose them in <see cref="ImageHead"/>. The download pushes at most
/// <see cref="PayloadHead.Size"/> − <see cref="ImageHead"/>.Length body bytes at a time,
/// until <see cref="ImageHead"/> holds at least <see cref="PayloadHead.Size"/> bytes or
/// the body ends.</item>
/// <item><see cref="Attach"/> once the image passed the admission check (<c>Http.ImageAdmission</c>): the stage
/// writes every held byte into the session, and from then on writes image bytes as it produces them
/// (<see cref="OtaUpdate.Write"/>, sequential).</item>
/// <item>after each <see cref="Push"/> once attached, <see cref="Checkpoint"/>: what must be stored to
/// continue after a reboot.</item>
/// <item><see cref="Complete"/> after the last body byte (<see cref="BodyOffset"/> equals the body size):
/// flush what is left, and fail if the payload is incomplete or does not authenticate.</item>
/// </list>
/// <para>Invariants the download relies on: <see cref="BodyOffset"/> only grows and counts every body
/// byte pushed exactly once (a retry asks the server for the body from <see cref="BodyOffset"/>);
/// after <see cref="Attach"/>, <see cref="ImageLength"/> equals the <see cref="OtaUpdate.BytesWritten"/>
/// of the session plus whatever the stage still buffers; a failure is an <see cref="EspException"/>
/// (e.g. <see cref="EspError.OtaValidateFailed"/>, <see cref="EspError.InvalidArg"/>) — never a
/// partial write reported as success.</para>
/// <para>The announced SHA-256 ((<c>UpdateOffer.Sha256</c>)) is of the body. When
/// <see cref="ImageIsBody"/> is true the download checks it against the image on flash (from the
/// verification <see cref="OtaUpdate.End"/> returns). A stage that transforms the body must
/// authenticate it itself (e.g. the AES-GCM tag of <c>esp_encrypted_img</c>, the target-hash check
/// of <c>esp_delta_ota</c>) and throw from <see cref="Complete"/> when it does not.</para>
/// <para>A stage is single-use and not thread-safe.</para>
/// </remarks>
public interface IOtaPayloadStage
{
    /// <summary>Body bytes consumed so far: where the next request for the body starts.</summary>
    long BodyOffset { get; }

    /// <summary>Image bytes produced so far (held, buffered or written).</summary>
    long ImageLength { get; }

    /// <summary>
    /// The first image bytes produced (up to <see cref="PayloadHead.Size"/>, or fewer while
    /// not yet produced): what <c>esp_https_ota</c>'s header check reads before anything is erased.
    /// Empty after a <see cref="Restore"/> (the header was checked before the checkpoint was made).
    /// </summary>
    ReadOnlyMemory<byte> ImageHead { get; }

    /// <summary>Whether the image bytes are the body bytes unchanged (the announced SHA-256 is then the image's).</summary>
    bool ImageIsBody { get; }

    /// <summary>Whether <see cref="Restore"/> can continue from a checkpoint; false makes every interrupted install start again from byte 0.</summary>
    bool CanResume { get; }

    /// <summary>
    /// Continues an interrupted install from <paramref name="checkpoint"/> (made by <see cref="Checkpoint"/>
    /// of a stage of the same kind for the same body). The session passed to <see cref="Attach"/>
    /// afterwards is resumed at <see cref="PayloadCheckpoint.ImageLength"/>.
    /// </summary>
    /// <exception cref="EspException"><see cref="EspError.InvalidArg"/> when the state cannot be restored (the download then starts again).</exception>
    void Restore(PayloadCheckpoint checkpoint);

    /// <summary>Consumes the next body bytes (which start at <see cref="BodyOffset"/>).</summary>
    /// <exception cref="EspException">The payload is malformed, or the session refused a write.</exception>
    void Push(ReadOnlySpan<byte> body);

    /// <summary>Gives the stage the OTA session, after the admission check; writes the held image bytes into it.</summary>
    void Attach(OtaUpdate update);

    /// <summary>The state to store after a push so that <see cref="Restore"/> can continue from it; consistent with what is on flash.</summary>
    PayloadCheckpoint Checkpoint();

    /// <summary>Called after the last body byte: writes what is still buffered and checks the payload is complete and authentic.</summary>
    /// <exception cref="EspException">The payload is incomplete or does not authenticate.</exception>
    void Complete();
}
