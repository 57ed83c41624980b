using EspOta.Delta;
using EspOta.Device;
using EspOta.Images;
using EspOta.Payloads;

namespace EspOta.Http;

/// <summary>
/// An install that takes the offered patch when there is one, and falls back to the full image when
/// the patch cannot make the offered image: a header for another base, a damaged patch, a result that
/// fails its SHA-256 or <c>esp_ota_end</c>'s verification. A failed patch attempt never selects the slot;
/// network failures are not a reason to fall back (the next attempt resumes the patch).
/// </summary>
internal static class DeltaInstall
{
    public static async Task<HttpOtaResult> RunAsync(
        UpdateServerClient server,
        EspDevice device,
        Chip chip,
        UpdateOffer offer,
        IOtaCheckpointStore? checkpoints,
        IProgress<HttpOtaProgress>? progress,
        IOtaPayloadStage? fullStage,
        CancellationToken cancellationToken)
    {
        string? failure = null;
        if (offer.Patch is { } patch && device.RunningPartition is { } running)
        {
            string? runningSha = TryRunningSha256(device, running);
            if (runningSha is not null && string.Equals(runningSha, patch.BaseSha256, StringComparison.OrdinalIgnoreCase))
            {
                var patchOffer = offer with { Url = patch.Url, Size = patch.Size, Sha256 = patch.Sha256, Patch = null };
                var stage = new PatchingPayloadStage(device.Flash, running, offer.Sha256);
                try
                {
                    var result = await new RangedDownload(server, device, chip, patchOffer, checkpoints, progress, stage).RunAsync(cancellationToken).ConfigureAwait(false);
                    return result with { Patch = patch };
                }
                catch (EspException e) when (!IsTransport(e.Code))
                {
                    // The patch will not make this image: drop its progress and fetch the image itself.
                    checkpoints?.Clear();
                    failure = e.Message;
                }
            }
            else
            {
                failure = $"the patch is for base {patch.BaseSha256}, this device runs {runningSha ?? "an image without an appended SHA-256"}";
            }
        }

        var full = await new RangedDownload(server, device, chip, offer, checkpoints, progress, fullStage).RunAsync(cancellationToken).ConfigureAwait(false);
        return failure is null ? full : full with { PatchFailure = failure };
    }

    /// <summary>The running app's <c>esp_partition_get_sha256()</c> as hex, or null when it has none.</summary>
    public static string? TryRunningSha256(EspDevice device, Partitions.Partition running)
    {
        try
        {
            return Convert.ToHexStringLower(PatchingPayloadStage.RunningImageSha256(device.Flash, running));
        }
        catch (Exception e) when (e is EspException or ImageFormatException)
        {
            return null;
        }
    }

    private static bool IsTransport(EspError code) =>
        code is EspError.HttpConnect or EspError.HttpFetchHeader or EspError.HttpConnectionClosed or EspError.Timeout;
}
