using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.OtaData;
using EspOta.Updates;

namespace EspOta.Tests.Device;

/// <summary>
/// The MCUboot-style sweep: count the flash operations of one clean update cycle, then for every
/// operation cut the power there (before it, part-way through a write, or with a half-erased sector),
/// reboot, and check that a good app — old or new — boots and that the device can still update.
/// </summary>
public sealed class PowerCutSweepTests
{
    private static readonly byte[] OldApp = TestDevices.App("old", payload: 2000);
    private static readonly byte[] NewApp = TestDevices.App("new", payload: 9000);
    private static readonly byte[] NewerApp = TestDevices.App("newer", payload: 5000);

    private static void Cycle(EspDevice device, byte[] image)
    {
        var ota = device.Ota;
        if (ota.GetStatePartition(ota.GetRunningPartition()) == OtaImageState.PendingVerify)
        {
            ota.MarkAppValidCancelRollback();
        }

        var next = ota.GetNextUpdatePartition()!;
        using (var update = ota.Begin(next, OtaImageSize.Unknown))
        {
            for (int at = 0; at < image.Length; at += 4096)
            {
                update.Write(image.AsSpan(at, Math.Min(4096, image.Length - at)));
            }

            update.End();
        }

        ota.SetBootPartition(next);
        device.Reboot();
        device.Ota.MarkAppValidCancelRollback();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PowerCut_AtEveryOperationOfAnUpdate_OldOrNewAppBootsAndUpdatesStillWork(bool rollback)
    {
        var pristine = TestDevices.Flash(TestDevices.Layout(factory: false, slots: 2), ("ota_0", OldApp));
        var options = new BootOptions { Rollback = rollback };

        var clean = new FaultInjectingFlash(pristine.Clone());
        var cleanDevice = EspDevice.Open(clean, options);
        cleanDevice.Reboot();
        clean.ResetCount();
        Cycle(cleanDevice, NewApp);
        long operations = clean.OperationCount;
        Assert.InRange(operations, 8, 64);

        var plans = new List<(string Name, FaultPlan Plan)>();
        for (long i = 0; i < operations; i++)
        {
            plans.Add(($"op {i}, nothing done", FaultPlan.AtOperation(i)));
            plans.Add(($"op {i}, 16 bytes written", FaultPlan.AtOperation(i, bytesWritten: 16)));
            plans.Add(($"op {i}, half-erased sector", FaultPlan.AtOperation(i, halfErased: true, seed: (int)i)));
        }

        foreach (var (name, plan) in plans)
        {
            var faults = new FaultInjectingFlash(pristine.Clone());
            var device = EspDevice.Open(faults, options, new Efuse());
            device.Reboot();
            faults.ResetCount();
            faults.Arm(plan);
            bool cut = false;
            try
            {
                Cycle(device, NewApp);
            }
            catch (PowerLossException)
            {
                cut = true;
            }

            Assert.True(cut, $"{name}: the planned cut did not happen");
            faults.PowerOn();
            var boot = device.Reboot();
            Assert.True(boot.App?.Version is "old" or "new", $"{name}: booted {boot.Booted?.Label ?? "nothing"} ({boot.App?.Version})");

            Cycle(device, NewerApp);
            Assert.Equal("newer", device.Reboot().App?.Version);
        }
    }
}
