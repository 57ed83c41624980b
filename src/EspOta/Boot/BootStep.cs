namespace EspOta.Boot;

/// <summary>One decision of the bootloader: why, in a form tests and tools can match, and the text for people.</summary>
/// <param name="Reason">What kind of decision.</param>
/// <param name="Text">The decision with its values (offsets, sequence numbers, labels).</param>
public sealed record BootStep(BootStepReason Reason, string Text)
{
    /// <inheritdoc />
    public override string ToString() => Text;
}
