namespace EspOta.Torture;

/// <summary>
/// A power-loss scenario: an untortured <see cref="Setup"/> that brings the device to its start
/// state, then a <see cref="Body"/> whose every flash operation is cut.
/// </summary>
/// <param name="Name">Short name (<c>full-ota</c>).</param>
/// <param name="Description">What it does.</param>
/// <param name="Setup">Flashes the first app(s) and boots; runs once, without cuts.</param>
/// <param name="Body">The tortured steps.</param>
/// <param name="HasFactory">The layout has a factory partition (the factory app is named <c>factory</c>).</param>
/// <param name="FactoryReset">The bootloader is built with factory reset (erasing nvs and otadata).</param>
/// <param name="SignedBy">
/// Secure Boot v2 on: the key slots (0, 1, …) whose keys sign each app version; null = no signature checks. The
/// device then has one RSA-3072 key digest per slot burned in eFuse, a bootloader signed by all of them, and
/// its eFuse revocations (<see cref="TortureSession.RevokeSecureBootKey"/>) are cut like flash operations.
/// </param>
public sealed record TortureScenario(
    string Name,
    string Description,
    Action<TortureSession> Setup,
    Action<TortureSession> Body,
    bool HasFactory = false,
    bool FactoryReset = false,
    IReadOnlyDictionary<string, int[]>? SignedBy = null);
