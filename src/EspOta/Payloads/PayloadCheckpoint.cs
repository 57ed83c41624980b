namespace EspOta.Payloads;

/// <summary>
/// Where an <see cref="IOtaPayloadStage"/> stood after a push: enough, with what is on flash, to continue
/// the install after a reboot.
/// </summary>
/// <param name="BodyOffset">Body bytes consumed (the next request starts here).</param>
/// <param name="ImageLength">Image bytes on flash (the session resumes here).</param>
/// <param name="State">The stage's own state (e.g. a cipher or patch position); null when offsets suffice.</param>
public sealed record PayloadCheckpoint(long BodyOffset, long ImageLength, byte[]? State = null);
