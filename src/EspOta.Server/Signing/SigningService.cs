namespace EspOta.Server.Signing;

/// <summary>Runs the signing policy over its store: judging uploads, and the view the update decision uses.</summary>
internal sealed class SigningService(ISigningStore store)
{
    /// <summary>The store.</summary>
    public ISigningStore Store => store;

    /// <summary>
    /// Judges an image of <paramref name="project"/> by its signature sector (<paramref name="region"/>, null when it has
    /// none), as the image inspection read it (<see cref="Firmware.ImageFacts.Signatures"/>; for an encrypted project
    /// during the upload, whose plaintext is never kept).
    /// </summary>
    public async Task<UploadSignatureVerdict> JudgeAsync(string project, EspOta.Security.SignedImageRegion? region, CancellationToken cancellationToken)
    {
        var keys = await store.KeysAsync(project, cancellationToken).ConfigureAwait(false);
        return SigningPolicy.Judge(project, keys, region);
    }

    /// <summary>The policy of a project over its images for one chip.</summary>
    public async Task<ProjectSigning> ForProjectAsync(string project, string chip, CancellationToken cancellationToken)
    {
        var keys = await store.KeysAsync(project, cancellationToken).ConfigureAwait(false);
        if (keys.Count == 0)
        {
            return new ProjectSigning(keys, new Dictionary<string, IReadOnlySet<string>>());
        }

        return new ProjectSigning(keys, await store.SignersAsync(project, chip, cancellationToken).ConfigureAwait(false));
    }
}
