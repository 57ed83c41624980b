using EspOta.Images;
using EspOta.Security;
using EspOta.Server.Firmware;

namespace EspOta.Server.Encryption;

/// <summary>
/// Decides, from the first bytes of an upload, where its bytes may go: a project with an encryption
/// key gets an <see cref="EncryptingUploadSink"/> (ciphertext only on disk), any other project a
/// <see cref="PlainUploadSink"/> (as before), and bytes that name no project (no
/// <c>esp_app_desc_t</c> where an app image has it, or an esp_encrypted_img file) go nowhere.
/// </summary>
internal sealed class UploadEncryption(IEncryptionStore store)
{
    /// <summary>Bytes needed to read the project name: the image header, the first segment header and the <c>esp_app_desc_t</c>.</summary>
    public const int HeadSize = AppDescription.ImageOffset + AppDescription.Size;

    /// <summary>Opens the sink for an upload whose first bytes are <paramref name="head"/> (fewer than <see cref="HeadSize"/> only when the body is that short).</summary>
    public async Task<IUploadSink> OpenAsync(ReadOnlyMemory<byte> head, string tempPath, long limit, CancellationToken cancellationToken)
    {
        if (EncryptedImageHeader.StartsWithMagic(head.Span))
        {
            return new RefusedUploadSink(new ImageFacts(
                ProblemTypes.EncryptedUpload,
                "the body is an esp_encrypted_img file: the server cannot verify it or read its app description; upload the plain image to a project with an encryption key and the server encrypts it",
                null, null, null));
        }

        if (head.Length < HeadSize || AppDescription.Read(head.Span[AppDescription.ImageOffset..]) is not { HasValidMagic: true } app)
        {
            return EncryptingUploadSink.Discarding(limit);
        }

        return await store.GetKeyAsync(app.ProjectName, cancellationToken).ConfigureAwait(false) is { } key
            ? EncryptingUploadSink.Encrypting(key, tempPath, limit)
            : new PlainUploadSink(tempPath, limit);
    }

    /// <summary>Drops the body and reports a refusal decided from its head.</summary>
    private sealed class RefusedUploadSink(ImageFacts facts) : IUploadSink
    {
        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public Task<StagedImage> CompleteAsync(CancellationToken cancellationToken) => Task.FromResult(new StagedImage(null, 0, facts, null));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
