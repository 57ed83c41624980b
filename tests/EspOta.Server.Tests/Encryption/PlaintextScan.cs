namespace EspOta.Server.Tests.Encryption;

/// <summary>
/// Looks for any 64-byte window of a plain image in every file under a folder (rolling hash, then a
/// byte compare on each hash hit). Windows with fewer than <see cref="MinDistinct"/> different byte
/// values (the zeros of esp_app_desc_t's reserved words with a flag or two, 0xFF padding) are left
/// out: such runs occur in any SQLite page and say nothing about the image.
/// </summary>
internal static class PlaintextScan
{
    public const int Window = 64;

    /// <summary>Distinct byte values a window needs to be searched for.</summary>
    public const int MinDistinct = 8;
    private const ulong Base = 1_000_003;

    /// <summary>Windows of <paramref name="plain"/> that are searched for (all but the single-byte ones).</summary>
    public static int SearchedWindows(byte[] plain) => Index(plain).Values.Sum(v => v.Count);

    /// <summary>Every (file, offset) under <paramref name="folder"/> where a searched window of <paramref name="plain"/> occurs.</summary>
    public static List<(string File, long Offset, int PlainOffset)> Find(string folder, byte[] plain)
    {
        var index = Index(plain);
        ulong power = Power();
        var hits = new List<(string, long, int)>();
        foreach (string path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            if (ReadAll(path) is not { } data)
            {
                continue; // a temp file removed while the folder was listed
            }

            if (data.Length < Window)
            {
                continue;
            }

            ulong hash = Hash(data.AsSpan(0, Window));
            for (int at = 0; ; at++)
            {
                if (index.TryGetValue(hash, out var offsets))
                {
                    foreach (int offset in offsets)
                    {
                        if (data.AsSpan(at, Window).SequenceEqual(plain.AsSpan(offset, Window)))
                        {
                            hits.Add((path, at, offset));
                            break;
                        }
                    }
                }

                if (at + Window >= data.Length)
                {
                    break;
                }

                hash = (hash - data[at] * power) * Base + data[at + Window];
            }
        }

        return hits;
    }

    /// <summary>
    /// The file's bytes now. An upload in progress is open with FileShare.None, which .NET enforces
    /// on Unix with an advisory lock inside this very process; cat reads past it, as any other
    /// process on the machine could.
    /// </summary>
    private static byte[]? ReadAll(string path)
    {
        using var cat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("cat", [path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var bytes = new MemoryStream();
        cat.StandardOutput.BaseStream.CopyTo(bytes);
        cat.WaitForExit();
        return cat.ExitCode == 0 ? bytes.ToArray() : File.Exists(path) ? throw new IOException($"cat {path}: {cat.StandardError.ReadToEnd()}") : null;
    }

    private static Dictionary<ulong, List<int>> Index(byte[] plain)
    {
        var index = new Dictionary<ulong, List<int>>();
        for (int at = 0; at + Window <= plain.Length; at++)
        {
            if (!IsInformative(plain.AsSpan(at, Window)))
            {
                continue;
            }

            var window = plain.AsSpan(at, Window);

            ulong hash = Hash(window);
            if (!index.TryGetValue(hash, out var list))
            {
                index[hash] = list = [];
            }

            list.Add(at);
        }

        return index;
    }

    /// <summary>At least <see cref="MinDistinct"/> different byte values: not a stretch of zeros or padding with a flag or two in it.</summary>
    private static bool IsInformative(ReadOnlySpan<byte> window)
    {
        Span<bool> seen = stackalloc bool[256];
        int distinct = 0;
        foreach (byte b in window)
        {
            if (!seen[b])
            {
                seen[b] = true;
                if (++distinct >= MinDistinct)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static ulong Hash(ReadOnlySpan<byte> window)
    {
        ulong hash = 0;
        foreach (byte b in window)
        {
            hash = hash * Base + b;
        }

        return hash;
    }

    private static ulong Power()
    {
        ulong power = 1;
        for (int i = 1; i < Window; i++)
        {
            power *= Base;
        }

        return power;
    }
}
