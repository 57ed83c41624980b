namespace EspOta.Server.Firmware;

/// <summary>What the startup reconcile of <c>images/</c> against the <c>firmware</c> table did.</summary>
/// <param name="Adopted">Files without a row that were verified and given one.</param>
/// <param name="Removed">Files without a row that did not verify and were deleted.</param>
/// <param name="MissingFiles">Rows whose file is gone.</param>
internal sealed record ReconcileSummary(int Adopted, int Removed, IReadOnlyList<string> MissingFiles);
