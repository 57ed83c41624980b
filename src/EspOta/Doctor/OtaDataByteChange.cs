namespace EspOta.Doctor;

/// <summary>A run of bytes a repair changes.</summary>
/// <param name="Address">Flash address of the first byte.</param>
/// <param name="Old">The bytes now.</param>
/// <param name="New">The bytes after the repair.</param>
public sealed record OtaDataByteChange(long Address, ReadOnlyMemory<byte> Old, ReadOnlyMemory<byte> New);
