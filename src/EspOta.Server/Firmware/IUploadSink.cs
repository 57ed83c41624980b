namespace EspOta.Server.Firmware;

/// <summary>Where an upload's bytes go once the server knows what kind of upload it is (see <see cref="UploadStaging"/>).</summary>
internal interface IUploadSink : IAsyncDisposable
{
    /// <summary>Takes the next body bytes (any length).</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>After the last byte: finishes the temp file and inspects the image.</summary>
    Task<StagedImage> CompleteAsync(CancellationToken cancellationToken);
}
