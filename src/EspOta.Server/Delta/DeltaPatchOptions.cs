namespace EspOta.Server.Delta;

/// <summary>How the server makes and offers esp_delta_ota patches (configure with <c>services.Configure&lt;DeltaPatchOptions&gt;</c>).</summary>
public sealed class DeltaPatchOptions
{
    /// <summary>Patches are made from this many previous versions of the same project and chip (default 3).</summary>
    public int BaseVersions { get; set; } = 3;

    /// <summary>A patch is offered only when it is smaller than this fraction of the full image (default 0.5).</summary>
    public double MaxFraction { get; set; } = 0.5;

    /// <summary>Whether patches are made at all.</summary>
    public bool Enabled { get; set; } = true;
}
