namespace EspOta.Server.Tests.Encryption;

/// <summary>
/// Looks for any 64-byte window of a plain image in every file under a folder (rolling hash, then a
/// byte compare on each hash hit). Windows of one repeated byte (the zeros of a reserved field, 0xFF
/// padding) are left out: they are in every SQLite page and say nothing about the image.
/// </summary>
internal static class PlaintextScan
{
    public const int Window = 64;
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
            byte[] data;
            try
            {
                // SQLite keeps its files open (and the WAL growing); read what is there now.
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                data = new byte[file.Length];
                data = data[..file.ReadAtLeast(data, data.Length, throwOnEndOfStream: false)];
            }
            catch (FileNotFoundException)
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

    private static Dictionary<ulong, List<int>> Index(byte[] plain)
    {
        var index = new Dictionary<ulong, List<int>>();
        for (int at = 0; at + Window <= plain.Length; at++)
        {
            var window = plain.AsSpan(at, Window);
            if (window.IndexOfAnyExcept(window[0]) < 0)
            {
                continue;
            }

            ulong hash = Hash(window);
            if (!index.TryGetValue(hash, out var list))
            {
                index[hash] = list = [];
            }

            list.Add(at);
        }

        return index;
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
