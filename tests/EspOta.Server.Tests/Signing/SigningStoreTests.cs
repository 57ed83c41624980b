using EspOta.Server.Firmware;
using EspOta.Server.Signing;
using EspOta.Server.Tests.Storage;

namespace EspOta.Server.Tests.Signing;

/// <summary>The signing store on both providers: keys, idempotent adds, revocation times, signers joined with the firmware table.</summary>
public sealed class SigningStoreTests
{
    public static TheoryData<string> Providers => TestDatabase.Providers;

    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Keys_AddRevokeAndReload(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        string a = new('a', 64), b = new('b', 64);
        using (var database = test.Open())
        {
            var store = new SigningStore(database);
            var (first, added) = await store.AddKeyAsync("app", a, "key a", T0, CancellationToken.None);
            Assert.True(added);
            Assert.Equal(new SigningKey("app", a, "key a", T0, null), first);

            var (again, addedAgain) = await store.AddKeyAsync("app", a, null, T0.AddHours(1), CancellationToken.None);
            Assert.False(addedAgain);
            Assert.Equal(first, again);
            Assert.Equal("renamed", (await store.AddKeyAsync("app", a, "renamed", T0.AddHours(2), CancellationToken.None)).Key.Label);

            await store.AddKeyAsync("app", b, null, T0.AddMinutes(1), CancellationToken.None);
            await store.AddKeyAsync("other", b, null, T0, CancellationToken.None);
            var revoked = await store.RevokeKeyAsync("app", b, T0.AddDays(1), CancellationToken.None);
            Assert.Equal(T0.AddDays(1), revoked!.RevokedAt);

            // A second revocation keeps the first time; an unknown key or project is null.
            Assert.Equal(T0.AddDays(1), (await store.RevokeKeyAsync("app", b, T0.AddDays(2), CancellationToken.None))!.RevokedAt);
            Assert.Null(await store.RevokeKeyAsync("app", new string('c', 64), T0, CancellationToken.None));
            Assert.Null(await store.RevokeKeyAsync("nope", a, T0, CancellationToken.None));

            // Adding a revoked key again does not trust it again.
            Assert.True((await store.AddKeyAsync("app", b, "back?", T0.AddDays(3), CancellationToken.None)).Key.IsRevoked);
        }

        using var reopened = test.Open();
        var keys = await new SigningStore(reopened).KeysAsync("app", CancellationToken.None);
        Assert.Equal([a, b], keys.Select(k => k.KeyDigest));
        Assert.Equal([false, true], keys.Select(k => k.IsRevoked));
        Assert.Equal(["renamed", "back?"], keys.Select(k => k.Label));
        Assert.False(Assert.Single(await new SigningStore(reopened).KeysAsync("other", CancellationToken.None)).IsRevoked);
        Assert.Empty(await new SigningStore(reopened).KeysAsync("none", CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Signers_RecordedOnce_AndListedPerProjectAndChip(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var store = new SigningStore(database);
        var firmware = new FirmwareStore(database);
        string img1 = new('1', 64), img2 = new('2', 64), img3 = new('3', 64), orphan = new('4', 64);
        string a = new('a', 64), b = new('b', 64);
        Assert.Null(await firmware.TryAddAsync(new FirmwareRecord(img1, "app", "1.0.0", 0, "esp32c3", 100, "v5.5", T0, 0), CancellationToken.None));
        Assert.Null(await firmware.TryAddAsync(new FirmwareRecord(img2, "app", "2.0.0", 0, "esp32c3", 100, "v5.5", T0, 0), CancellationToken.None));
        Assert.Null(await firmware.TryAddAsync(new FirmwareRecord(img3, "app", "2.0.0", 0, "esp32", 100, "v5.5", T0, 0), CancellationToken.None));

        await store.RecordSignersAsync(img1, [a], CancellationToken.None);
        await store.RecordSignersAsync(img2, [a, b], CancellationToken.None);
        await store.RecordSignersAsync(img2, [b], CancellationToken.None);
        await store.RecordSignersAsync(img3, [b], CancellationToken.None);
        await store.RecordSignersAsync(orphan, [a], CancellationToken.None);
        await store.RecordSignersAsync(img1, [], CancellationToken.None);

        var signers = await store.SignersAsync("app", "esp32c3", CancellationToken.None);
        Assert.Equal([img1, img2], signers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([a], signers[img1]);
        Assert.Equal([a, b], signers[img2].Order(StringComparer.Ordinal));
        Assert.Equal([b], await store.SignersOfAsync(img3, CancellationToken.None));
        Assert.Equal([a], await store.SignersOfAsync(orphan, CancellationToken.None));
        Assert.Empty(await store.SignersAsync("app", "esp32s3", CancellationToken.None));
    }
}
