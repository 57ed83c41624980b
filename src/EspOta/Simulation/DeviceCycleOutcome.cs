using EspOta.Http;

namespace EspOta.Simulation;

/// <summary>How one cycle of a <see cref="SimulatedDevice"/> ended.</summary>
public enum DeviceCycleOutcome
{
    /// <summary>The server had nothing newer.</summary>
    UpToDate,
    /// <summary>The new app booted, passed its self-test and was confirmed.</summary>
    Updated,
    /// <summary>The new app was installed but abandoned; the previous app runs again.</summary>
    RolledBack,
    /// <summary>The client refused the image (wrong chip, project, version, secure_version or SHA-256).</summary>
    Refused,
    /// <summary>The update failed (server unreachable, image invalid, flash error).</summary>
    Failed,
}
