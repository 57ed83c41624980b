namespace EspOta.Cli.Files;

/// <summary>
/// Every file a command reads or writes goes through here, so that a wrong path (missing, a folder,
/// empty, unreadable, unwritable) is one clear line naming the file and its role, never a stack trace,
/// and every output is replaced atomically (temp file in the same folder, flushed, renamed).
/// </summary>
internal static class CliFiles
{
    /// <summary>Reads an input file; <paramref name="what"/> names its role ("partition table", "app image").</summary>
    public static byte[] Read(FileInfo file, string what, bool allowEmpty = false) => Read(file.FullName, what, allowEmpty);

    /// <inheritdoc cref="Read(FileInfo, string, bool)"/>
    public static byte[] Read(string path, string what, bool allowEmpty = false)
    {
        string full = Path.GetFullPath(path);
        CheckReadable(full, what);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Problem(full, what, "read", e);
        }

        if (bytes.Length == 0 && !allowEmpty)
        {
            throw new FileProblemException($"{what} {full} is empty (0 bytes)", ExitCodes.Failure);
        }

        return bytes;
    }

    /// <summary>Opens an input file for reading, with the same checks as <see cref="Read(string, string, bool)"/>.</summary>
    public static FileStream OpenRead(FileInfo file, string what, bool allowEmpty = false)
    {
        string full = file.FullName;
        CheckReadable(full, what);
        FileStream stream;
        try
        {
            stream = File.OpenRead(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Problem(full, what, "read", e);
        }

        if (stream.Length == 0 && !allowEmpty)
        {
            stream.Dispose();
            throw new FileProblemException($"{what} {full} is empty (0 bytes)", ExitCodes.Failure);
        }

        return stream;
    }

    /// <summary>
    /// Reads an input file and decodes it with <paramref name="decode"/>. When its contents are not a
    /// <paramref name="what"/> (a key, a digest, a signed image), the message names the file and says
    /// what is wrong with it; a decoder's own words are kept (espsecure's, where the vectors pin them).
    /// </summary>
    public static T Decode<T>(FileInfo file, string what, Func<byte[], T> decode, bool allowEmpty = false)
    {
        var bytes = Read(file, what, allowEmpty);
        try
        {
            return decode(bytes);
        }
        catch (Exception e) when (IsContentProblem(e))
        {
            throw ContentProblem(file, what, e);
        }
    }

    /// <summary><see cref="Decode{T}(FileInfo, string, Func{byte[], T}, bool)"/> for a text file (a PEM).</summary>
    public static T DecodeText<T>(FileInfo file, string what, Func<string, T> decode) =>
        Decode(file, what, bytes => decode(System.Text.Encoding.UTF8.GetString(bytes)));

    /// <summary>Whether <paramref name="e"/> says that a file's contents are wrong (rather than that esp-ota has a bug).</summary>
    public static bool IsContentProblem(Exception e) =>
        e is FormatException or InvalidDataException or ArgumentException or System.Security.Cryptography.CryptographicException
            or EspOta.Security.SignatureException or EspException;

    /// <summary>The one-line problem for a file whose contents are not a <paramref name="what"/>.</summary>
    public static FileProblemException ContentProblem(FileInfo file, string what, Exception e) =>
        new(e.Message.Contains(file.FullName, StringComparison.Ordinal)
            ? e.Message
            : $"{what} {file.FullName}: {e.Message}", ExitCodes.Failure, e);

    /// <summary>Reads and converts a partition table file; a malformed table's message is prefixed with the file.</summary>
    public static EspOta.Partitions.PartitionConversion ParseTable(FileInfo file, EspOta.Partitions.PartitionTableOptions options, TextWriter? diagnostics = null)
    {
        var bytes = Read(file, "partition table");
        try
        {
            return EspOta.Partitions.PartitionTableConverter.Convert(bytes, options, diagnostics);
        }
        catch (EspOta.Partitions.PartitionTableException e)
        {
            throw new InputFormatException(file.FullName, e);
        }
    }

    /// <summary>Fails unless <paramref name="path"/> is an existing file (not a folder).</summary>
    public static void CheckReadable(string path, string what)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new FileProblemException($"{what} {full} is a folder, not a file", ExitCodes.Usage);
        }

        if (!File.Exists(full))
        {
            throw new FileProblemException($"{what} {full} does not exist", ExitCodes.Usage);
        }
    }

    /// <summary>
    /// Writes <paramref name="data"/> to <paramref name="path"/> atomically: a temp file beside it,
    /// flushed to disk, then renamed over the target, so that a crash leaves the old file or the new
    /// one, never half of each. Creates no folders: a missing folder is the caller's typo.
    /// </summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> data, string what)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new FileProblemException($"cannot write {what} to {full}: it is a folder", ExitCodes.Usage);
        }

        string folder = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(folder))
        {
            throw new FileProblemException($"cannot write {what} to {full}: the folder {folder} does not exist", ExitCodes.Usage);
        }

        try
        {
            EspOta.Layout.FlashImageFile.WriteAtomically(full, data.ToArray(), CliTestHooks.SavePoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Problem(full, what, "write", e);
        }
    }

    private static FileProblemException Problem(string path, string what, string verb, Exception e) => e switch
    {
        UnauthorizedAccessException => new FileProblemException($"cannot {verb} {what} {path}: permission denied", ExitCodes.Failure, e),
        FileNotFoundException or DirectoryNotFoundException when verb == "write" =>
            new FileProblemException($"cannot write {what} {path}: the file system does not let a file be created in {Path.GetDirectoryName(path)}", ExitCodes.Failure, e),
        _ => new FileProblemException($"cannot {verb} {what} {path}: {e.Message}", ExitCodes.Failure, e),
    };
}
