namespace EspOta.Torture;

/// <summary>A run of consecutive sectors that were erased equally often.</summary>
/// <param name="Address">Flash address of the first sector.</param>
/// <param name="Sectors">How many sectors the run covers.</param>
/// <param name="Partition">Label of the partition they belong to ("" outside every partition).</param>
/// <param name="EraseCount">Erases of each sector in the run.</param>
/// <param name="ErasesPerOta">EraseCount divided by the number of OTAs.</param>
public sealed record SectorWear(long Address, int Sectors, string Partition, int EraseCount, double ErasesPerOta);
