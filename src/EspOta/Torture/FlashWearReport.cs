namespace EspOta.Torture;

/// <summary>What N consecutive OTAs did to the flash: erases per sector and the predicted life.</summary>
public sealed record FlashWearReport
{
    /// <summary>OTAs run.</summary>
    public required int Otas { get; init; }

    /// <summary>Bytes of each app image.</summary>
    public required long ImageSize { get; init; }

    /// <summary>Whether the bootloader had rollback on.</summary>
    public required bool Rollback { get; init; }

    /// <summary>The erase cycles a sector is rated for.</summary>
    public required int RatedCycles { get; init; }

    /// <summary>Sectors erased at least once, as runs of equal counts, in address order.</summary>
    public required IReadOnlyList<SectorWear> Sectors { get; init; }

    /// <summary>The most erased sector's run (the first of them when several tie).</summary>
    public required SectorWear Busiest { get; init; }

    /// <summary>Erases over the whole chip.</summary>
    public required long TotalSectorErases { get; init; }

    /// <summary>OTAs until the busiest sector reaches <see cref="RatedCycles"/> at this rate.</summary>
    public long PredictedOtasToRatedCycles => Busiest.EraseCount == 0 ? long.MaxValue : (long)Math.Floor(RatedCycles * (double)Otas / Busiest.EraseCount);
}
