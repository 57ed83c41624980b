using System.Reflection;

namespace EspOta.Server.Storage;

/// <summary>The migrations embedded in this assembly, per provider (see <c>docs/storage.md</c>).</summary>
internal static class Migrations
{
    private const string Prefix = "migrations/";

    /// <summary>Folder name of a provider's migrations under <c>Storage/Migrations/</c>.</summary>
    public static string FolderOf(StorageProvider provider) => provider switch
    {
        StorageProvider.Sqlite => "sqlite",
        StorageProvider.PostgreSql => "postgresql",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "unknown storage provider"),
    };

    /// <summary>Every migration of <paramref name="provider"/>, in the order they apply.</summary>
    public static IReadOnlyList<Migration> For(StorageProvider provider)
    {
        var assembly = typeof(Migrations).Assembly;
        string folder = Prefix + FolderOf(provider) + "/";
        var list = new List<Migration>();
        foreach (string name in assembly.GetManifestResourceNames())
        {
            // %(RecursiveDir) gives '\' on Windows builds.
            string normalized = name.Replace('\\', '/');
            if (!normalized.StartsWith(folder, StringComparison.Ordinal) || !normalized.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            string id = normalized[folder.Length..^".sql".Length];
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(id, reader.ReadToEnd()));
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return list;
    }

    internal static Assembly Assembly => typeof(Migrations).Assembly;
}
