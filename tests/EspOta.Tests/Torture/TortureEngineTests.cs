using EspOta.Flash;
using EspOta.OtaData;
using EspOta.Partitions;
using EspOta.Torture;
using EspOta.Updates;

namespace EspOta.Tests.Torture;

public sealed class TortureEngineTests
{
    // Pinned: every random choice of the engine (extra cut offsets, erase garbage) flows from it.
    private const int Seed = 20261124;

    public static TheoryData<string, bool> EveryScenario()
    {
        var data = new TheoryData<string, bool>();
        foreach (var scenario in TortureScenarios.All)
        {
            data.Add(scenario.Name, false);
            data.Add(scenario.Name, true);
        }

        // The HTTP client's install needs the real server, so it is not in TortureScenarios.All.
        data.Add(HttpInstallTorture.Name, false);
        data.Add(HttpInstallTorture.Name, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryScenario))]
    public void Run_EveryScenarioExhaustively_FindsExactlyTheDocumentedEspIdfBehaviours(string name, bool rollback)
    {
        using var http = name == HttpInstallTorture.Name ? HttpInstallTorture.Start() : null;
        var scenario = http?.Scenario ?? TortureScenarios.Find(name)!;
        var report = TortureEngine.Run(scenario, new TortureOptions { ImageSize = 64 * 1024, Rollback = rollback, Seed = Seed });

        Assert.True(report.Operations > 0);
        Assert.True(report.CutPoints >= report.Operations);
        Assert.True(report.Reboots >= report.Replays);
        var found = report.Findings.Select(f => f.Key).Order(StringComparer.Ordinal).ToArray();
        var known = TortureKnownFindings.For(name, rollback).Order(StringComparer.Ordinal).ToArray();
        Assert.True(known.SequenceEqual(found),
            $"seed {Seed}: expected findings [{string.Join(", ", known)}], got:\n{string.Join("\n", report.Findings.Select(f => $"{f.Key} x{f.Count}: {f.First}\n{f.First.Detail}"))}");
        Assert.Empty(report.NewFindings);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_SecureBootKeyRotation_CutsAtTheEfuseBurnToo_AndAlwaysBootsAnAppSignedByANonRevokedKey(bool rollback)
    {
        var cuts = new List<TortureCutPoint>();
        var report = TortureEngine.Run(SecureBootTortureScenarios.KeyRotation, new TortureOptions { Rollback = rollback, Seed = Seed, CutObserver = (cut, _) => cuts.Add(cut) });

        // Both sides of the one burn are cut, and every cut of the sweep is counted.
        var efuse = cuts.Where(c => c.Efuse is not null).ToList();
        Assert.Equal([false, true], efuse.Select(c => c.Efuse!.Burnt));
        Assert.All(efuse, c => Assert.Equal(0, c.Efuse!.Slot));
        Assert.Equal(report.CutPoints, cuts.Count);
        Assert.DoesNotContain(report.Findings, f => f.Kind is TortureViolationKind.NoAppBoots or TortureViolationKind.AppNotSignedByTrustedKeyBoots
            or TortureViolationKind.OtaDataSelectsUnverifiableImage or TortureViolationKind.UnexpectedException);
        Assert.DoesNotContain(report.Findings, f => f.Step.StartsWith("esp_ota_revoke_secure_boot_public_key", StringComparison.Ordinal));

        // Replayed from scratch, the state at the burn is the snapshot's (nothing of the next operation landed).
        var snapshot = new Dictionary<bool, byte[]>();
        TortureEngine.Run(SecureBootTortureScenarios.KeyRotation, new TortureOptions
        {
            Rollback = rollback, Seed = Seed, CutObserver = (cut, flash) => { if (cut.Efuse is { } e) { snapshot[e.Burnt] = flash; } },
        });
        var reproduced = TortureEngine.ReproduceCut(SecureBootTortureScenarios.KeyRotation, new TortureOptions { Rollback = rollback, Seed = Seed }, efuse[1]);
        Assert.Equal(snapshot[true], reproduced);
    }

    [Fact]
    public void Run_TornMarkValidWithoutRollback_ReportsTheOlderAppBootingWithTrace()
    {
        var report = TortureEngine.Run(TortureScenarios.MarkValid, new TortureOptions { Rollback = false, Seed = Seed });

        var finding = Assert.Single(report.Findings);
        Assert.Equal(TortureViolationKind.ConfirmedAppLost, finding.Kind);
        Assert.Equal("app-1", finding.First.Expected);
        Assert.Equal("app-0", finding.First.Actual);
        Assert.Equal(0, finding.First.Cut.Operation.Index);
        Assert.Contains("otadata[0]", finding.First.Detail);
        // Only the untouched-sector cut (power lost before the erase began) keeps app-1: every violation
        // of the run is this finding, and not every replay is one.
        Assert.Equal(report.ViolationCount, finding.Count);
        Assert.InRange(finding.Count, 1, report.Replays - 1);
    }

    [Fact]
    public void Run_ViolationOnTheFirstBootAfterACut_CountsOncePerCutPointAndKeepsEveryFailingContinuation()
    {
        // F2: the torn NEW -> PENDING_VERIFY rewrite breaks the very first boot, before any continuation
        // differs, so all three continuations fail at every such cut.
        var report = TortureEngine.Run(TortureScenarios.FullOta, new TortureOptions { Rollback = true, Seed = Seed, MaxRecordedViolations = int.MaxValue });

        var finding = Assert.Single(report.Findings);
        var cuts = report.Violations.Select(v => v.Cut).ToArray();
        Assert.Equal(cuts.Length, cuts.Distinct().Count());
        Assert.Equal(cuts.Length, finding.Count);
        Assert.Equal(cuts.Length, report.ViolationCount);
        Assert.All(report.Violations, v =>
        {
            Assert.Equal(Enum.GetValues<TortureContinuation>(), v.Continuations);
            Assert.All(v.AlsoFailed, other =>
            {
                Assert.Equal(v.Cut, other.Cut);
                Assert.Equal(v.Kind, other.Kind);
                Assert.Equal(1, other.BootNumber);
                Assert.Contains("otadata[1]", other.Detail);
            });
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_SnapshotReplay_ProducesTheSameCutStatesAndReportAsReplayingFromScratch(bool rollback)
    {
        var options = new TortureOptions { ImageSize = 32 * 1024, ChunkSize = 8192, Rollback = rollback, Seed = Seed };

        var (a, b) = ReplayModes.AssertSnapshotMatchesFromScratch(TortureScenarios.FullOta, options);

        Assert.Equal(a.Reboots, b.Reboots);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_WithoutTheVerificationCache_GivesTheSameReport(bool rollback)
    {
        var options = new TortureOptions { ImageSize = 32 * 1024, ChunkSize = 8192, Rollback = rollback, Seed = Seed };

        var cached = TortureEngine.Run(TortureScenarios.TenOtas, options);
        var uncached = TortureEngine.Run(TortureScenarios.TenOtas, options with { CacheVerification = false });

        Assert.True(cached.VerificationsCached > 0);
        Assert.Equal(0, uncached.VerificationsCached);
        Assert.Equal(cached.VerificationsCached + cached.VerificationsRun, uncached.VerificationsRun);
        Assert.Equal(cached.Violations.Select(v => v.ToString() + v.Detail), uncached.Violations.Select(v => v.ToString() + v.Detail));
        Assert.Equal(cached.Reboots, uncached.Reboots);
    }

    [Fact]
    public void Run_SameSeedTwice_GivesIdenticalReports()
    {
        var options = new TortureOptions { Rollback = true, Seed = Seed };
        var a = TortureEngine.Run(TortureScenarios.FullOta, options);
        var b = TortureEngine.Run(TortureScenarios.FullOta, options);

        Assert.Equal(a.Violations.Select(v => v.ToString() + v.Detail), b.Violations.Select(v => v.ToString() + v.Detail));
        Assert.Equal(a.CutPoints, b.CutPoints);
    }

    [Fact]
    public void ReproduceCut_FirstViolation_RebuildsTheFlashTheEngineSawAtThatCut()
    {
        var seen = new Dictionary<string, string>();
        var options = new TortureOptions { Rollback = true, Seed = Seed };
        var report = TortureEngine.Run(TortureScenarios.FullOta, options with { CutObserver = (cut, flash) => seen[cut.ToString()] = Digest(flash) });
        var first = report.Violations[0];

        byte[] flash = TortureEngine.ReproduceCut(TortureScenarios.FullOta, options, first.Cut);

        Assert.Equal(seen[first.Cut.ToString()], Digest(flash));
        // The dump is a whole flash image: the partition table sits at its usual offset.
        // (An erased region would parse as an empty table, so the rows are checked.)
        var table = PartitionTable.FromBinary(flash.AsSpan((int)PartitionTable.DefaultOffset, PartitionTable.MaxLength));
        Assert.Contains(table.Partitions, p => p.Label == "otadata");
        Assert.Contains(table.Partitions, p => p.Label == "ota_0");
        Assert.Contains(table.Partitions, p => p.Label == "ota_1");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_BrokenOtaDataWriterThatRewritesTheActiveSector_IsCaught(bool rollback)
    {
        var scenario = new TortureScenario(
            "broken-writer-active-sector",
            "second OTA whose set-boot writes the new entry over the ACTIVE otadata sector",
            s =>
            {
                TortureScenarios.InitialApp(s);
                s.Update("app-1", OtaImageSize.Unknown);
                s.Boot();
                s.MarkValid();
            },
            s =>
            {
                s.Begin("app-2", OtaImageSize.Unknown);
                s.Write(long.MaxValue);
                s.End();
                s.Step("broken set_boot (writes the active sector)", () => BrokenSetBootWritingActiveSector(s), i => i.AfterSelect("app-2"));
                s.Boot();
                s.MarkValid();
            });

        var report = TortureEngine.Run(scenario, new TortureOptions { Rollback = rollback, Seed = Seed });

        var caught = report.Findings.Where(f => f.Step.StartsWith("broken set_boot", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(caught);
        Assert.All(caught, f => Assert.False(f.IsKnownEspIdfBehaviour));
        Assert.Contains(caught, f => f.Kind is TortureViolationKind.UnselectedAppBoots or TortureViolationKind.ConfirmedAppLost);
        Assert.NotEmpty(report.NewFindings);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_BrokenOtaDataWriterThatProgramsBeforeErasing_IsCaught(bool rollback)
    {
        // The first OTA's otadata[1] is still erased, so the broken order passes the clean run on strict NOR
        // flash and ends with the right bytes; only a cut between its program and its erase shows the bug.
        var scenario = new TortureScenario(
            "broken-writer-program-before-erase",
            "first OTA whose set-boot programs the new entry, then erases the sector, then programs it again",
            TortureScenarios.InitialApp,
            s =>
            {
                s.Begin("app-1", OtaImageSize.Unknown);
                s.Write(long.MaxValue);
                s.End();
                s.Step("broken set_boot (programs before erasing)", () => BrokenSetBootProgrammingBeforeErasing(s), i => i.AfterSelect("app-1"));
                s.Boot();
                s.MarkValid();
            });

        var report = TortureEngine.Run(scenario, new TortureOptions { Rollback = rollback, Seed = Seed });

        var caught = report.Findings.Where(f => f.Step.StartsWith("broken set_boot", StringComparison.Ordinal)).ToArray();
        var finding = Assert.Single(caught);
        Assert.False(finding.IsKnownEspIdfBehaviour);
        Assert.Equal(TortureViolationKind.UnselectedAppBoots, finding.Kind);
        Assert.Equal("app-0", finding.First.Expected);
        Assert.Equal("app-1", finding.First.Actual);
        // The first cut that shows it: the entry fully programmed, the erase not yet begun.
        Assert.Equal(FlashOperationKind.Erase, finding.First.Cut.Operation.Kind);
        Assert.Equal(0, finding.First.Cut.SectorsErased);
        Assert.Contains(report.NewFindings, f => f.Key == finding.Key);
    }

    [Fact]
    public void Run_SetBootOfAHalfWrittenImageWithoutVerification_IsCaughtAsSelectingAnUnverifiableImage()
    {
        var scenario = new TortureScenario(
            "broken-set-boot-unverified",
            "half of app-1 written, then selected with verification skipped; the running app-0 marks the active entry valid",
            TortureScenarios.InitialApp,
            s =>
            {
                s.Begin("app-1", OtaImageSize.Unknown);
                s.Write(s.ImageSize / 2);
                var next = s.Ota.GetNextUpdatePartition()!;
                // The bug: esp_ota_set_boot_partition without its esp_image_verify.
                s.Step("set_boot without verify", () => s.Ota.SetBootPartition(next, validate: false), i => i);
                s.Boot();
                s.MarkValid();
            });

        var report = TortureEngine.Run(scenario, new TortureOptions { Rollback = false, Seed = Seed });

        Assert.Contains(report.Findings, f => f.Kind == TortureViolationKind.OtaDataSelectsUnverifiableImage && !f.IsKnownEspIdfBehaviour);
    }

    [Fact]
    public void CutPointsOf_OtaDataWrite_CutsAfterEveryByte()
    {
        var op = new FlashOperation(3, FlashOperationKind.Write, 0xD000, 32, new byte[32]);

        var cuts = TortureEngine.CutPointsOf(op, Seed);

        Assert.Equal(Enumerable.Range(0, 32), cuts.Select(c => c.BytesWritten));
    }

    [Fact]
    public void CutPointsOf_LargeWriteAndMultiSectorErase_CoverEdgesHalfAndGarbage()
    {
        var write = new FlashOperation(7, FlashOperationKind.Write, 0x20000, 4096, new byte[4096]);
        var erase = new FlashOperation(8, FlashOperationKind.Erase, 0x20000, 16 * 4096, ReadOnlyMemory<byte>.Empty);

        var writeCuts = TortureEngine.CutPointsOf(write, Seed).Select(c => c.BytesWritten).ToArray();
        var eraseCuts = TortureEngine.CutPointsOf(erase, Seed);

        Assert.Subset(new HashSet<int>(writeCuts), new HashSet<int> { 0, 1, 2048, 4095 });
        Assert.InRange(writeCuts.Length, 4, 5);
        Assert.Equal(6, eraseCuts.Count);
        Assert.Equal(new[] { 0, 0, 8, 8, 15, 15 }, eraseCuts.Select(c => c.SectorsErased));
        Assert.Equal(3, eraseCuts.Count(c => c.Garbage));
    }

    private static void BrokenSetBootWritingActiveSector(TortureSession s)
    {
        var otaData = new OtaDataPartition(s.Device.Flash, s.Table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta)!);
        var entries = otaData.ReadBoth();
        int active = OtaDataPartition.ActiveIndex(entries);
        var state = s.Device.Options.Rollback ? OtaImageState.New : OtaImageState.Undefined;
        // The bug: the new entry overwrites the one that selects the running app instead of the other copy.
        otaData.Write(active, OtaSelectEntry.Create(entries[active].Sequence + 1, state));
    }

    private static void BrokenSetBootProgrammingBeforeErasing(TortureSession s)
    {
        var otaData = new OtaDataPartition(s.Device.Flash, s.Table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta)!);
        var entries = otaData.ReadBoth();
        int inactive = 1 - OtaDataPartition.ActiveIndex(entries);
        var state = s.Device.Options.Rollback ? OtaImageState.New : OtaImageState.Undefined;
        var entry = OtaSelectEntry.Create(entries[1 - inactive].Sequence + 1, state);
        // The bug: the program comes first, the erase (and a second program) after it.
        s.Device.Flash.Write(otaData.SectorAddress(inactive), entry.ToArray());
        otaData.Write(inactive, entry);
    }

    private static string Digest(byte[] flash) => ReplayModes.Digest(flash);
}
