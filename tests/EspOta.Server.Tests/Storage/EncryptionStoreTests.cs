using EspOta.Server.Encryption;
using EspOta.Server.Storage;

namespace EspOta.Server.Tests.Storage;

/// <summary><see cref="EncryptionStore"/> (migration 0201_encryption) on SQLite and on PostgreSQL.</summary>
public sealed class EncryptionStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Providers => TestDatabase.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Key_SetReplaceRemove_RoundTrips(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var store = new EncryptionStore(database);
        var first = new ProjectEncryptionKey("app", "rsa3072", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", new string('a', 64), T0);
        var second = new ProjectEncryptionKey("app", "ecies-p256", "-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n", new string('b', 64), T0.AddHours(1));

        Assert.Null(await store.GetKeyAsync("app", CancellationToken.None));
        await store.SetKeyAsync(first, CancellationToken.None);
        Assert.Equal(first, await store.GetKeyAsync("app", CancellationToken.None));
        await store.SetKeyAsync(second, CancellationToken.None);
        Assert.Equal(second, await store.GetKeyAsync("app", CancellationToken.None));
        Assert.Null(await store.GetKeyAsync("other", CancellationToken.None));

        Assert.True(await store.RemoveKeyAsync("app", CancellationToken.None));
        Assert.False(await store.RemoveKeyAsync("app", CancellationToken.None));
        Assert.Null(await store.GetKeyAsync("app", CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Image_AddedTwice_KeepsTheFirstAndRemoves(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var store = new EncryptionStore(database);
        var record = new EncryptedFirmwareRecord(new string('1', 64), new string('2', 64), 5_000_000_000, "ecies-p256", new string('3', 64));

        await store.AddImageAsync(record, CancellationToken.None);
        await store.AddImageAsync(record with { ImageSize = 1 }, CancellationToken.None);

        Assert.Equal(record, await store.GetImageAsync(record.Sha256, CancellationToken.None));
        Assert.Null(await store.GetImageAsync(new string('4', 64), CancellationToken.None));
        await store.RemoveImageAsync(record.Sha256, CancellationToken.None);
        Assert.Null(await store.GetImageAsync(record.Sha256, CancellationToken.None));
    }

    [Fact]
    public void Migration_0201_IsThereForBothProviders()
    {
        Assert.Contains("0201_encryption", Migrations.For(StorageProvider.Sqlite).Select(m => m.Id));
        Assert.Contains("0201_encryption", Migrations.For(StorageProvider.PostgreSql).Select(m => m.Id));
    }
}
