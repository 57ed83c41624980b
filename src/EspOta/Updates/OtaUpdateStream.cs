namespace EspOta.Updates;

/// <summary>A write-only, forward-only stream feeding an <see cref="OtaUpdate"/>.</summary>
internal sealed class OtaUpdateStream(OtaUpdate update) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => update.IsOpen;

    public override long Length => update.BytesWritten;

    public override long Position
    {
        get => update.BytesWritten;
        set => throw new NotSupportedException("an OTA stream cannot seek");
    }

    public override void Write(byte[] buffer, int offset, int count) => update.Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => update.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        update.Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        update.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("an OTA stream is write-only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("an OTA stream cannot seek");

    public override void SetLength(long value) => throw new NotSupportedException("an OTA stream cannot change length");
}
