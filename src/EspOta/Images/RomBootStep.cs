namespace EspOta.Images;

/// <summary>What the ROM's first step found: the chip, where it looked, and whether it can start the bootloader.</summary>
/// <param name="Modelled">False when neither a chip was given nor a bootloader image found anywhere: the step is skipped.</param>
/// <param name="Chip">The chip whose ROM runs (given, or the found bootloader's chip id).</param>
/// <param name="Offset">Where that ROM reads the bootloader.</param>
/// <param name="Loads">Whether a loadable bootloader image is there.</param>
/// <param name="Reason">Why (the verifier's message when it does not load).</param>
public sealed record RomBootStep(bool Modelled, Chip? Chip, long Offset, bool Loads, string Reason);
