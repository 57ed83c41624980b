using EspOta.Flash;
using EspOta.OtaData;
using EspOta.Partitions;
using EspOta.Torture;
using EspOta.Updates;

namespace EspOta.Tests.Torture;

public sealed class AntiRollbackTortureTests
{
    private const int Seed = 20261124;

    [Fact]
    public void Run_AntiRollback_CutsOnceAtTheEfuseBurnAfterTheValidEntryIsWritten()
    {
        var burnCuts = new List<TortureCutPoint>();
        var report = TortureEngine.Run(AntiRollbackTortureScenarios.AntiRollback, new TortureOptions
        {
            Rollback = true,
            Seed = Seed,
            CutObserver = (cut, _) =>
            {
                if (cut.BeforeEfuseBurn)
                {
                    burnCuts.Add(cut);
                }
            },
        });

        // The bootloader rewrites NEW -> PENDING_VERIFY (no burn: only a VALID entry raises eFuse); the app's
        // confirmation writes VALID and then burns 1 -> 2: one burn in the body, so one extra cut point.
        var burn = Assert.Single(burnCuts);
        Assert.Equal(FlashOperationKind.Write, burn.Operation.Kind);
        Assert.Equal(OtaSelectEntry.Size, burn.Operation.Length);
        Assert.Equal(report.Operations - 1, burn.Operation.Index);
        Assert.DoesNotContain(report.Findings, f => f.Kind == TortureViolationKind.AppBelowSecureVersionBoots);
        Assert.Equal(TortureKnownFindings.For("anti-rollback", true), report.Findings.Select(f => f.Key));
    }

    [Fact]
    public void Run_ConfirmationThatBurnsTheEfuseBeforeWritingTheValidEntry_IsCaught()
    {
        // The bug: the eFuse goes to 2 first; a cut before the VALID entry lands leaves app-1 PENDING_VERIFY, so
        // the bootloader aborts it and the only app the model may roll back to (app-0, secure_version 1) is refused.
        var scenario = AntiRollbackTortureScenarios.AntiRollback with
        {
            Name = "broken-anti-rollback-burn-first",
            Body = s =>
            {
                s.Update("app-1", OtaImageSize.Unknown);
                s.Boot();
                string running = s.RunningApp;
                s.Step("broken mark valid (burns eFuse first)", () =>
                {
                    s.Device.Efuse.SecureVersion.Update(2);
                    var otaData = new OtaDataPartition(s.Device.Flash, s.Table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta)!);
                    var entries = otaData.ReadBoth();
                    int active = OtaDataPartition.ActiveIndex(entries);
                    otaData.Write(active, entries[active].WithState(OtaImageState.Valid));
                }, i => i.AfterMarkValid(running));
            },
        };

        var report = TortureEngine.Run(scenario, new TortureOptions { Rollback = true, Seed = Seed });

        var caught = report.Findings.Where(f => f.Step.StartsWith("broken mark valid", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(caught);
        Assert.All(caught, f => Assert.False(f.IsKnownEspIdfBehaviour));
        Assert.Contains(caught, f => f.First.Expected == "app-0" && f.First.Actual != "app-0");
    }
}
