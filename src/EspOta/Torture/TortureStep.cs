namespace EspOta.Torture;

/// <summary>One step of a scenario's clean run: which flash operations it made and what it meant.</summary>
/// <param name="Name">What the step does, e.g. <c>esp_ota_set_boot_partition</c> or <c>boot: bootloader</c>.</param>
/// <param name="FirstOperation">Index of its first write or erase.</param>
/// <param name="EndOperation">One past the index of its last write or erase.</param>
/// <param name="Before">The ideal model before the step.</param>
/// <param name="After">The ideal model after it.</param>
/// <param name="Atomic">
/// False when a cut inside the step may legitimately leave either the before or the after state
/// (a factory reset erasing several partitions); true when only a completed step may have any effect.
/// </param>
public sealed record TortureStep(string Name, int FirstOperation, int EndOperation, IdealOta Before, IdealOta After, bool Atomic = true)
{
    /// <summary>
    /// For a non-atomic step: a state between <see cref="Before"/> and <see cref="After"/> that a cut may also
    /// leave (a factory reset that has erased the rollback target's otadata entry but not yet the active one), or null.
    /// </summary>
    public IdealOta? Intermediate { get; init; }
}
