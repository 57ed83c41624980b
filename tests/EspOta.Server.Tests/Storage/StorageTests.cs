using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Storage;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Tests.Storage;

/// <summary>The storage suite: every case runs on SQLite and on PostgreSQL (see <see cref="TestDatabase"/>).</summary>
public sealed class StorageTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Providers => TestDatabase.Providers;

    [Fact]
    public void Migrations_SameIdsForEveryProvider()
    {
        var sqlite = Migrations.For(StorageProvider.Sqlite).Select(m => m.Id).ToArray();
        var postgres = Migrations.For(StorageProvider.PostgreSql).Select(m => m.Id).ToArray();

        Assert.Contains("0001_core", sqlite);
        Assert.Equal(sqlite, postgres);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Open_AppliesEveryMigrationOnce(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        var expected = Migrations.For(test.Provider).Select(m => m.Id).ToArray();

        using (var first = test.Open())
        {
            Assert.Equal(expected, first.AppliedMigrations);
            Assert.True(await first.PingAsync(CancellationToken.None));
        }

        // A second process (or a restart) finds the schema in place and changes nothing.
        using var second = test.Open();
        Assert.Equal(expected, second.AppliedMigrations);
        long count = await second.ReadAsync(
            async c =>
            {
                await using var command = OtaDatabase.Command(c, null, "SELECT COUNT(*) FROM schema_migrations");
                return Convert.ToInt64(await command.ExecuteScalarAsync());
            },
            CancellationToken.None);
        Assert.Equal(expected.Length, count);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Open_TwoProcessesAtOnce_MigrateOnce(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);

        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(test.Open)));
        try
        {
            foreach (var database in opened)
            {
                Assert.Equal(Migrations.For(test.Provider).Select(m => m.Id), database.AppliedMigrations);
            }
        }
        finally
        {
            foreach (var database in opened)
            {
                database.Dispose();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Firmware_AddGetList_RoundTrips(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var store = new FirmwareStore(database);
        var a = Record("aa", "blink", "1.0.0", "esp32", T0);
        var b = Record("bb", "blink", "1.1.0", "esp32", T0.AddMinutes(1));
        var c = Record("cc", "other", "1.0.0", "esp32s3", T0.AddMinutes(2));

        Assert.Null(await store.TryAddAsync(a, default));
        Assert.Null(await store.TryAddAsync(b, default));
        Assert.Null(await store.TryAddAsync(c, default));

        var got = await store.GetAsync(a.Sha256, default);
        Assert.Equal(a with { Sequence = 1 }, got);
        Assert.Null(await store.GetAsync(new string('0', 64), default));
        Assert.Equal([1L, 2L, 3L], (await store.ListAsync(null, null, null, 100, default)).Select(r => r.Sequence));
        Assert.Equal([a.Sha256, b.Sha256], (await store.ListAsync("blink", null, null, 100, default)).Select(r => r.Sha256));
        Assert.Equal([c.Sha256], (await store.ListAsync(null, "esp32s3", null, 100, default)).Select(r => r.Sha256));
        Assert.Equal([b.Sha256], (await store.ListAsync(null, null, 1, 1, default)).Select(r => r.Sha256));
        Assert.Equal([a.Sha256, b.Sha256, c.Sha256], (await store.ListHashesAsync(default)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Firmware_Duplicates_ReturnTheExistingRow(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var store = new FirmwareStore(database);
        var a = Record("aa", "blink", "1.0.0", "esp32", T0);
        Assert.Null(await store.TryAddAsync(a, default));

        var sameBytes = await store.TryAddAsync(a with { UploadedAt = T0.AddHours(1) }, default);
        var sameVersion = await store.TryAddAsync(Record("bb", "blink", "1.0.0", "esp32", T0), default);

        Assert.Equal(a.Sha256, sameBytes?.Sha256);
        Assert.Equal(a.Sha256, sameVersion?.Sha256);
        Assert.Single(await store.ListAsync(null, null, null, 100, default));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Firmware_ConcurrentAddsFromSeveralProcesses_OneWins(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);

        // Separate OtaDatabase instances: separate pools and, on SQLite, separate in-process write locks — as two processes.
        var databases = Enumerable.Range(0, 4).Select(_ => test.Open()).ToArray();
        try
        {
            var record = Record("aa", "blink", "2.0.0", "esp32", T0);
            using var start = new ManualResetEventSlim();
            var adds = databases
                .SelectMany(d => Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
                {
                    start.Wait();
                    return await new FirmwareStore(d).TryAddAsync(record, default);
                })))
                .ToArray();
            start.Set();
            var results = await Task.WhenAll(adds);

            Assert.Single(results, r => r is null);
            Assert.All(results.Where(r => r is not null), r => Assert.Equal(record.Sha256, r!.Sha256));
            Assert.Single(await new FirmwareStore(databases[0]).ListAsync(null, null, null, 100, default));
        }
        finally
        {
            foreach (var database in databases)
            {
                database.Dispose();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Devices_TouchReportGetList(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var time = new ManualTime(T0);
        var store = new DeviceStore(database, time, Options.Create(new EspOtaServerOptions { MaxEventsPerDevice = 3 }));
        string rolledBack = new('d', 64);

        await store.TouchAsync(new UpdateCheckRequest("dev-b", "esp32", "blink", "1.0.0", 2), null, default);
        await store.TouchAsync(new UpdateCheckRequest("dev-a", "esp32", "blink", "1.0.0", 2), null, default);
        time.Now = T0.AddMinutes(1);
        await store.AddReportAsync("dev-a", new DeviceReport(DeviceReportKind.RolledBack, "1.1.0", rolledBack, "boot loop"), false, default);
        for (int i = 0; i < 4; i++)
        {
            time.Now = T0.AddMinutes(2 + i);
            await store.AddReportAsync("dev-a", new DeviceReport(DeviceReportKind.Downloading, "1.2.0", null, null), false, default);
        }

        var details = await store.GetAsync("dev-a", 10, default);
        Assert.NotNull(details);
        Assert.Equal("dev-a", details.Device.Id);
        Assert.Equal("blink", details.Device.Project);
        Assert.Equal(2u, details.Device.SecureVersion);
        Assert.Equal(DeviceReportKind.Downloading, details.Device.State);
        Assert.Equal("1.2.0", details.Device.StateVersion);
        Assert.Equal(T0, details.Device.FirstSeen);
        Assert.Equal(T0.AddMinutes(5), details.Device.LastSeen);
        Assert.Equal(3, details.History.Count); // trimmed to MaxEventsPerDevice
        Assert.All(details.History, e => Assert.Equal(DeviceReportKind.Downloading, e.Kind));
        Assert.True(details.History.Select(e => e.Sequence).SequenceEqual(details.History.Select(e => e.Sequence).Order()));
        Assert.Equal(2, (await store.GetAsync("dev-a", 2, default))!.History.Count);
        Assert.Null(await store.GetAsync("nobody", 10, default));

        Assert.Equal(["dev-a", "dev-b"], (await store.ListAsync(null, 100, default)).Select(d => d.Id));
        Assert.Equal(["dev-b"], (await store.ListAsync("dev-a", 100, default)).Select(d => d.Id));
        Assert.Equal(["dev-a"], (await store.ListAsync(null, 1, default)).Select(d => d.Id));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Devices_RollbackFromTheDevice_BlocksThatImage(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var store = new DeviceStore(database, new ManualTime(T0), Options.Create(new EspOtaServerOptions()));
        string bad = new('e', 64);

        Assert.True(await store.AddReportAsync("dev-a", new DeviceReport(DeviceReportKind.RolledBack, "1.1.0", bad, "crash"), true, default));
        await store.AddReportAsync("dev-a", new DeviceReport(DeviceReportKind.Confirmed, "1.0.0", new string('f', 64), null), true, default);

        Assert.Equal([bad], await store.RejectedFirmwareAsync("dev-a", default));
        Assert.Empty(await store.RejectedFirmwareAsync("dev-b", default));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Devices_AnonymousRollback_CountsOnlyAfterTheOfferOfThatImage(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var store = new DeviceStore(database, new ManualTime(T0), Options.Create(new EspOtaServerOptions()));
        string offered = new('a', 64), other = new('b', 64);
        var check = new UpdateCheckRequest("dev-a", "esp32", "blink", "1.0.0", 0);

        Assert.False(await store.AddReportAsync("dev-a", new DeviceReport(DeviceReportKind.RolledBack, "1.1.0", offered, "forged"), false, default));
        await store.TouchAsync(check, offered, default);
        await store.TouchAsync(check, null, default); // a later check without an offer keeps the last one
        Assert.False(await store.AddReportAsync("dev-a", new DeviceReport(DeviceReportKind.RolledBack, "1.2.0", other, "forged"), false, default));
        Assert.True(await store.AddReportAsync("dev-a", new DeviceReport(DeviceReportKind.RolledBack, "1.1.0", offered, "real"), false, default));

        Assert.Equal([offered], await store.RejectedFirmwareAsync("dev-a", default));
        Assert.Equal(3, (await store.GetAsync("dev-a", 10, default))!.History.Count); // every report stays in the history
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Devices_Reason_IsStoredOnce(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var store = new DeviceStore(database, new ManualTime(T0), Options.Create(new EspOtaServerOptions()));
        string reason = new('r', 200);

        await store.AddReportAsync("dev-a", new DeviceReport(DeviceReportKind.Failed, "1.1.0", null, reason), false, default);

        Assert.Equal(reason, (await store.GetAsync("dev-a", 10, default))!.Device.Reason);
        Assert.Equal(reason, (await store.ListAsync(null, 10, default)).Single().Reason);
        long copies = await database.ReadAsync(
            async c =>
            {
                await using var command = OtaDatabase.Command(
                    c, null, "SELECT (SELECT COUNT(*) FROM devices WHERE reason IS NOT NULL) + (SELECT COUNT(*) FROM device_events WHERE reason IS NOT NULL)");
                return Convert.ToInt64(await command.ExecuteScalarAsync());
            },
            default);
        Assert.Equal(1, copies);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Devices_Tokens_AreStoredAndReplaced(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var store = new DeviceStore(database, new ManualTime(T0), Options.Create(new EspOtaServerOptions()));

        Assert.Null(await store.GetTokenSha256Async("dev-a", default));
        await store.SetTokenAsync("dev-a", "one", default);
        await store.SetTokenAsync("dev-a", "two", default);

        Assert.Equal("two", await store.GetTokenSha256Async("dev-a", default));
        Assert.False(await store.ExistsAsync("dev-a", default)); // a token is not a device row
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Lock_SerializesCheckThenWriteAcrossProcesses(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        var databases = Enumerable.Range(0, 3).Select(_ => test.Open()).ToArray();
        try
        {
            await databases[0].WriteAsync(
                async (c, t) =>
                {
                    await using var create = OtaDatabase.Command(c, t, "CREATE TABLE lock_test (n BIGINT NOT NULL)");
                    await create.ExecuteNonQueryAsync();
                    await using var insert = OtaDatabase.Command(c, t, "INSERT INTO lock_test (n) VALUES (0)");
                    return await insert.ExecuteNonQueryAsync();
                },
                default);

            // Read, pause, write back + 1: without the lock, concurrent steps would lose increments.
            var steps = databases.SelectMany(d => Enumerable.Range(0, 5).Select(_ => Task.Run(() => d.WriteAsync(
                async (c, t) =>
                {
                    await d.LockAsync(c, t, "lock-test", default);
                    await using var read = OtaDatabase.Command(c, t, "SELECT n FROM lock_test");
                    long n = Convert.ToInt64(await read.ExecuteScalarAsync());
                    await Task.Delay(5);
                    await using var write = OtaDatabase.Command(c, t, "UPDATE lock_test SET n = @n", ("@n", n + 1));
                    return await write.ExecuteNonQueryAsync();
                },
                default)))).ToArray();
            await Task.WhenAll(steps);

            long final = await databases[1].ReadAsync(
                async c =>
                {
                    await using var read = OtaDatabase.Command(c, null, "SELECT n FROM lock_test");
                    return Convert.ToInt64(await read.ExecuteScalarAsync());
                },
                default);
            Assert.Equal(steps.Length, final);
        }
        finally
        {
            foreach (var database in databases)
            {
                database.Dispose();
            }
        }
    }

    private static FirmwareRecord Record(string shaSeed, string project, string version, string chip, DateTimeOffset at) =>
        new(string.Concat(Enumerable.Repeat(shaSeed, 32)), project, version, 0, chip, 1234, "v5.5.5", at, 0);

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
