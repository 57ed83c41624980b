namespace EspOta.Server.Firmware;

/// <summary>A row of the <c>firmware</c> table.</summary>
internal sealed record FirmwareRecord(
    string Sha256,
    string Project,
    string Version,
    uint SecureVersion,
    string Chip,
    long Size,
    string IdfVersion,
    DateTimeOffset UploadedAt,
    long Sequence)
{
    public FirmwareInfo ToInfo(string downloadUrl) =>
        new(Sha256, Project, Version, SecureVersion, Chip, Size, IdfVersion, UploadedAt, downloadUrl);
}
