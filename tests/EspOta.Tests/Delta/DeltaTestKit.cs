using EspOta.Delta;

namespace EspOta.Tests.Delta;

/// <summary>Applies patches in memory the way a device does (header checked, detools part fed in chunks).</summary>
internal static class DeltaTestKit
{
    public static byte[] Apply(byte[] baseImage, ReadOnlySpan<byte> detoolsPatch, DeltaApplyProfile profile, int chunk = 1024, long? patchSize = null)
    {
        var target = new MemoryDeltaTarget();
        var applier = new DeltaApplier(new MemoryDeltaBase(baseImage), target, profile, patchSize);
        for (int at = 0; at < detoolsPatch.Length; at += chunk)
        {
            applier.Process(detoolsPatch.Slice(at, Math.Min(chunk, detoolsPatch.Length - at)));
        }

        long size = applier.Finalize();
        var result = target.ToArray();
        Assert.Equal(size, result.LongLength);
        return result;
    }
}
