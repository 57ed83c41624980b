using EspOta.Images;

namespace EspOta.Simulation;

/// <summary>How a <see cref="SimulatedFleet"/> behaves.</summary>
public sealed record SimulatedFleetOptions
{
    /// <summary>How many devices.</summary>
    public int Count { get; init; } = 10;

    /// <summary>Device ids are this prefix and a 4-digit index.</summary>
    public string IdPrefix { get; init; } = "fleet-";

    /// <summary>The chip every device has.</summary>
    public Chip Chip { get; init; } = Chip.Esp32;

    /// <summary>Size of each OTA slot of the simulated flash.</summary>
    public long SlotSize { get; init; } = 0x40000;

    /// <summary>Mean time between two update checks of one device.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each interval varies by up to this share either way (0.3: ±30 %).</summary>
    public double Jitter { get; init; } = 0.3;

    /// <summary>Share (0–1) of devices whose self-test fails on the given newly installed app.</summary>
    public Func<AppDescription, double> SelfTestFailureRate { get; init; } = _ => 0;

    /// <summary>Cycles running at once.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Seed of the jitter and of which devices fail (printed by tools so a run can be replayed).</summary>
    public int Seed { get; init; } = 1;
}
