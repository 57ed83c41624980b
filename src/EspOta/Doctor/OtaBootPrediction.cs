namespace EspOta.Doctor;

/// <summary>What the bootloader will boot with one configuration, reasoned out step by step, next to what the real boot did.</summary>
/// <param name="Rollback">CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.</param>
/// <param name="Predicted">The partition label the reasoning arrives at; null when nothing boots.</param>
/// <param name="Reasons">The reasoning, in order.</param>
/// <param name="Booted">What <see cref="Boot.Bootloader"/> booted on a copy of the flash; null when nothing.</param>
/// <param name="BootSteps">The bootloader's own log of that boot.</param>
public sealed record OtaBootPrediction(bool Rollback, string? Predicted, IReadOnlyList<string> Reasons, string? Booted, IReadOnlyList<string> BootSteps)
{
    /// <summary>The reasoning and the real boot agree.</summary>
    public bool Agrees => Predicted == Booted;
}
