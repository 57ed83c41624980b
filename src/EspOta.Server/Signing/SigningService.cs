namespace EspOta.Server.Signing;

/// <summary>Runs the signing policy over its store: judging uploads, and the view the update decision uses.</summary>
internal sealed class SigningService(ISigningStore store)
{
    /// <summary>The store.</summary>
    public ISigningStore Store => store;

    /// <summary>Judges an image file (already accepted as an app image of <paramref name="project"/>) against the project's keys.</summary>
    public async Task<UploadSignatureVerdict> JudgeUploadAsync(string path, string project, long maxLength, CancellationToken cancellationToken)
    {
        var keys = await store.KeysAsync(project, cancellationToken).ConfigureAwait(false);
        EspOta.Security.SignedImageRegion? region;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
        {
            region = SigningPolicy.ReadRegion(file, maxLength);
        }

        return SigningPolicy.Judge(project, keys, region);
    }

    /// <summary>
    /// Judges an upload the server stores only as ciphertext (the project has an encryption key) by the signature
    /// sector read from its plaintext as it streamed through (<paramref name="region"/>; the plaintext is never kept).
    /// </summary>
    public async Task<UploadSignatureVerdict> JudgeEncryptedUploadAsync(string project, EspOta.Security.SignedImageRegion? region, CancellationToken cancellationToken)
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
