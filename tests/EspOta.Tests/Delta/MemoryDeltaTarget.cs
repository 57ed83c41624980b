using EspOta.Delta;

namespace EspOta.Tests.Delta;

/// <summary>Collects the new image the applier writes, and how it was split.</summary>
internal sealed class MemoryDeltaTarget : IDeltaTarget
{
    private readonly MemoryStream _bytes = new();

    public int Writes { get; private set; }

    public byte[] ToArray() => _bytes.ToArray();

    public void Write(ReadOnlySpan<byte> data)
    {
        Assert.False(data.IsEmpty, "the applier wrote an empty piece (esp_delta_ota's write_cb refuses those)");
        _bytes.Write(data);
        Writes++;
    }
}
