namespace EspOta.Server.Signing;

/// <summary>Runs the signing policy over its store: judging uploads, and the view the update decision uses.</summary>
internal sealed class SigningService(ISigningStore store)
{
    /// <summary>The store.</summary>
    public ISigningStore Store => store;

    /// <summary>Judges an image file (already accepted as an app image of <paramref name="project"/>) against the project's keys.</summary>
    public async Task<UploadSignatureVerdict> JudgeFileAsync(string path, string project, long maxLength, CancellationToken cancellationToken)
    {
        EspOta.Security.SignedImageRegion? region;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
        {
            region = SigningPolicy.ReadRegion(file, maxLength);
        }

        return await JudgeAsync(project, region, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Judges an image of <paramref name="project"/> by its signature sector (<paramref name="region"/>, null when it has
    /// none), as read from its plaintext during the upload (for an encrypted project the plaintext is never kept).
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
