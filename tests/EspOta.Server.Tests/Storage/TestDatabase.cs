using EspOta.Server.Storage;
using Npgsql;

namespace EspOta.Server.Tests.Storage;

/// <summary>
/// A fresh, empty database of either provider: SQLite in a temp file, or a new database on the
/// PostgreSQL server named by <c>ESPOTA_TEST_POSTGRES</c> (an ADO.NET connection string of a user
/// that may create databases; <c>.ci/postgres start</c> provides one). Under <c>CI=true</c> a missing
/// variable fails the PostgreSQL cases; elsewhere they are left out, with a note on stderr.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";
    public const string Variable = "ESPOTA_TEST_POSTGRES";

    private readonly string? _postgresName;

    private TestDatabase(StorageProvider provider, string connectionString, string directory, string? postgresName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        Directory = directory;
        _postgresName = postgresName;
    }

    /// <summary>The providers every storage test runs against.</summary>
    public static TheoryData<string> Providers
    {
        get
        {
            var data = new TheoryData<string> { Sqlite };
            if (PostgresRequired || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            {
                data.Add(PostgreSql);
            }
            else
            {
                Console.Error.WriteLine($"note: {Variable} is not set, the PostgreSQL storage cases are left out (CI sets it; see .ci/postgres)");
            }

            return data;
        }
    }

    /// <summary>True under CI, where PostgreSQL must be there.</summary>
    public static bool PostgresRequired => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public StorageProvider Provider { get; }

    public string ConnectionString { get; }

    /// <summary>A temp folder that goes with the database (the SQLite file lives here; use it as the server's data folder).</summary>
    public string Directory { get; }

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        string directory = Path.Combine(Path.GetTempPath(), "esp-ota-storage-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        if (provider == Sqlite)
        {
            return new TestDatabase(StorageProvider.Sqlite, $"Data Source={Path.Combine(directory, "esp-ota.db")}", directory, null);
        }

        Assert.Equal(PostgreSql, provider);
        string admin = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{Variable} must name a PostgreSQL server under CI (.ci/postgres start)");
        string name = "espota_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(StorageProvider.PostgreSql, builder.ConnectionString, directory, name);
    }

    /// <summary>Opens (and migrates) the database, as a server process would.</summary>
    internal OtaDatabase Open() => OtaDatabaseFactory.Create(Configure(new EspOtaServerOptions()));

    /// <summary>Points server options at this database.</summary>
    public EspOtaServerOptions Configure(EspOtaServerOptions options)
    {
        options.DataDirectory = string.IsNullOrEmpty(options.DataDirectory) ? Directory : options.DataDirectory;
        options.DatabaseProvider = Provider;
        options.ConnectionString = ConnectionString;
        return options;
    }

    public async ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(Variable));
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left to the OS's temp cleanup.
        }
    }
}
