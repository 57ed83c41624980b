namespace EspOta.Flash;

/// <summary>
/// SplitMix64 over three inputs: the noise of power-cut models must replay from a seed alone, in any
/// process (<see cref="HashCode.Combine{T1, T2}(T1, T2)"/> is randomised per process).
/// </summary>
internal static class SplitMix
{
    public static ulong Mix(int seed, long a, long b)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)a * 0xBF58476D1CE4E5B9UL ^ (ulong)b * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
