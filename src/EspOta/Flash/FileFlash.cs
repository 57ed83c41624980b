using System.Buffers;

namespace EspOta.Flash;

/// <summary>
/// A flash chip backed by a flash image file, as <c>esptool.py read_flash</c> or <c>merge_bin</c> write
/// them. Bytes past the end of the file read as 0xFF (an erased chip); writes grow the file.
/// </summary>
public sealed class FileFlash : IFlash, IDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly FileStream _stream;

    private FileFlash(FileStream stream, long size, int sectorSize, bool strict, bool readOnly)
    {
        _stream = stream;
        Size = size;
        SectorSize = sectorSize;
        Strict = strict;
        IsReadOnly = readOnly;
        Statistics = new FlashStatistics(size / sectorSize);
    }

    /// <summary>
    /// Opens (or with <paramref name="create"/>, creates) the image file at <paramref name="path"/>.
    /// </summary>
    /// <param name="path">The flash image file.</param>
    /// <param name="size">Chip size; by default the file length rounded up to a sector.</param>
    /// <param name="readOnly">Open without write access; writes and erases then throw.</param>
    /// <param name="create">Create an empty file if it does not exist.</param>
    /// <param name="strict">Throw <see cref="FlashProgramException"/> when a write would set a bit.</param>
    /// <param name="sectorSize">Erase granularity.</param>
    public static FileFlash Open(string path, long? size = null, bool readOnly = false, bool create = false,
        bool strict = true, int sectorSize = MemoryFlash.DefaultSectorSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var mode = create && !readOnly ? FileMode.OpenOrCreate : FileMode.Open;
        var access = readOnly ? FileAccess.Read : FileAccess.ReadWrite;
        var share = readOnly ? FileShare.ReadWrite : FileShare.Read;
        var stream = new FileStream(path, mode, access, share, bufferSize: 0, FileOptions.RandomAccess);
        try
        {
            long chipSize = size ?? Math.Max(sectorSize, (stream.Length + sectorSize - 1) / sectorSize * sectorSize);
            if (chipSize <= 0 || chipSize % sectorSize != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(size), $"flash size 0x{chipSize:x} is not a positive multiple of 0x{sectorSize:x}");
            }

            if (stream.Length > chipSize)
            {
                throw new ArgumentException($"{path}: the file (0x{stream.Length:x} bytes) is larger than the flash size 0x{chipSize:x}", nameof(size));
            }

            return new FileFlash(stream, chipSize, sectorSize, strict, readOnly);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public long Size { get; }

    /// <inheritdoc />
    public int SectorSize { get; }

    /// <summary>Whether a write that sets a bit throws.</summary>
    public bool Strict { get; }

    /// <summary>Opened without write access.</summary>
    public bool IsReadOnly { get; }

    /// <summary>What this chip has been asked to do.</summary>
    public FlashStatistics Statistics { get; }

    /// <summary>Path of the image file.</summary>
    public string Path => _stream.Name;

    /// <inheritdoc />
    public void Read(long address, Span<byte> destination)
    {
        FlashBounds.CheckRange(this, address, destination.Length);
        ReadRaw(address, destination);
        Statistics.OnRead(destination.Length);
    }

    /// <inheritdoc />
    public void Write(long address, ReadOnlySpan<byte> data)
    {
        FlashBounds.CheckRange(this, address, data.Length);
        ThrowIfReadOnly();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(ChunkSize, data.Length));
        try
        {
            // Strict mode must not leave a half-programmed range behind: check everything first.
            if (Strict)
            {
                for (int done = 0; done < data.Length;)
                {
                    int n = Math.Min(ChunkSize, data.Length - done);
                    var current = buffer.AsSpan(0, n);
                    ReadRaw(address + done, current);
                    NorProgram.Apply(current, data.Slice(done, n), address + done, strict: true);
                    done += n;
                }
            }

            ExtendErased(address);
            for (int done = 0; done < data.Length;)
            {
                int n = Math.Min(ChunkSize, data.Length - done);
                var current = buffer.AsSpan(0, n);
                ReadRaw(address + done, current);
                NorProgram.Apply(current, data.Slice(done, n), address + done, strict: false);
                RandomAccess.Write(_stream.SafeFileHandle, current, address + done);
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Statistics.OnWrite(data.Length);
    }

    /// <inheritdoc />
    public void Erase(long address, long length)
    {
        FlashBounds.CheckErase(this, address, length);
        ThrowIfReadOnly();
        long fileLength = RandomAccess.GetLength(_stream.SafeFileHandle);
        long end = Math.Min(address + length, fileLength);
        if (end > address)
        {
            byte[] ones = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                ones.AsSpan(0, ChunkSize).Fill(0xFF);
                for (long at = address; at < end; at += ChunkSize)
                {
                    int n = (int)Math.Min(ChunkSize, end - at);
                    RandomAccess.Write(_stream.SafeFileHandle, ones.AsSpan(0, n), at);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(ones);
            }
        }

        Statistics.OnErase(address / SectorSize, length / SectorSize);
    }

    /// <summary>Flushes written data to the file on disk.</summary>
    public void Flush() => _stream.Flush(flushToDisk: true);

    /// <inheritdoc />
    public void Dispose()
    {
        if (!IsReadOnly)
        {
            _stream.Flush(flushToDisk: false);
        }

        _stream.Dispose();
    }

    /// <summary>
    /// Grows the file with 0xFF up to <paramref name="address"/>: a write past the end must not leave a
    /// zero-filled hole, because bytes beyond the file are erased flash.
    /// </summary>
    private void ExtendErased(long address)
    {
        long fileLength = RandomAccess.GetLength(_stream.SafeFileHandle);
        if (address <= fileLength)
        {
            return;
        }

        byte[] ones = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            ones.AsSpan(0, ChunkSize).Fill(0xFF);
            for (long at = fileLength; at < address; at += ChunkSize)
            {
                RandomAccess.Write(_stream.SafeFileHandle, ones.AsSpan(0, (int)Math.Min(ChunkSize, address - at)), at);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(ones);
        }
    }

    private void ReadRaw(long address, Span<byte> destination)
    {
        int got = 0;
        while (got < destination.Length)
        {
            int n = RandomAccess.Read(_stream.SafeFileHandle, destination[got..], address + got);
            if (n == 0)
            {
                break;
            }

            got += n;
        }

        // The missing tail of the file is erased flash.
        destination[got..].Fill(0xFF);
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"{Path} was opened read-only");
        }
    }
}
