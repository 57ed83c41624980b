using EspOta.OtaData;

namespace EspOta.Doctor;

/// <summary>A repair: the entry written, where, and every byte it changes.</summary>
/// <param name="Target">The partition label that will boot.</param>
/// <param name="Copy">The otadata copy (sector) rewritten.</param>
/// <param name="SectorAddress">Its address: the sector is erased, then the entry programmed at its start.</param>
/// <param name="Entry">The entry programmed.</param>
/// <param name="Changes">Every byte that differs afterwards, as runs.</param>
/// <param name="Applied">Whether the flash was changed (false for a dry run).</param>
public sealed record OtaDataRepair(string Target, int Copy, long SectorAddress, OtaSelectEntry Entry, IReadOnlyList<OtaDataByteChange> Changes, bool Applied);
