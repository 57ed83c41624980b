using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>
/// One stage: how much of the target has the firmware once the stage is reached, as a percentage
/// (1, 10, 50, 100) or a fixed count of devices. Stages are cumulative and must not shrink.
/// </summary>
/// <param name="Percent">Share of the target population, 0 &lt; p ≤ 100; null when <paramref name="Count"/> is set.</param>
/// <param name="Count">Number of devices of the target population; null when <paramref name="Percent"/> is set.</param>
public sealed record RolloutStage(
    [property: JsonPropertyName("percent")] double? Percent = null,
    [property: JsonPropertyName("count")] int? Count = null)
{
    /// <summary>How many of <paramref name="population"/> devices the stage covers (cumulative).</summary>
    public int SizeFor(int population) => Percent is { } p
        ? (int)Math.Min(population, Math.Ceiling(p * population / 100.0 - 1e-9))
        : Math.Min(population, Count ?? 0);

    /// <summary>"10 %" or "25 devices".</summary>
    public override string ToString() => Percent is { } p ? $"{p:0.##} %" : $"{Count} devices";

    /// <summary>Null when valid, else what is wrong.</summary>
    public string? Problem() => (Percent, Count) switch
    {
        (null, null) or ({ }, { }) => "a stage needs exactly one of percent and count",
        ({ } p, _) when !(p > 0 && p <= 100) => $"stage percent {p} is not in (0, 100]",
        (_, { } c) when c <= 0 => $"stage count {c} is not positive",
        _ => null,
    };
}
