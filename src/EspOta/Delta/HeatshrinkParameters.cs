namespace EspOta.Delta;

/// <summary>
/// A heatshrink configuration: the window is 2^<see cref="WindowBits"/> bytes, back-references copy up to
/// 2^<see cref="LookaheadBits"/> bytes. detools writes them as one byte in front of the compressed stream
/// (<c>(window - 4) &lt;&lt; 4 | (lookahead - 3)</c>, detools <c>compression/heatshrink.py</c>).
/// </summary>
public readonly record struct HeatshrinkParameters(int WindowBits, int LookaheadBits)
{
    /// <summary>The only configuration esp_delta_ota's static decoder accepts, and detools' default.</summary>
    public static HeatshrinkParameters EspDeltaOta => new(8, 7);

    /// <summary>The smallest window heatshrink supports (<c>HEATSHRINK_MIN_WINDOW_BITS</c>).</summary>
    public const int MinWindowBits = 4;

    /// <summary>The largest window heatshrink supports (<c>HEATSHRINK_MAX_WINDOW_BITS</c>).</summary>
    public const int MaxWindowBits = 15;

    /// <summary>The smallest lookahead (<c>HEATSHRINK_MIN_LOOKAHEAD_BITS</c>).</summary>
    public const int MinLookaheadBits = 3;

    /// <summary>
    /// Whether heatshrink can work with it (<c>heatshrink_decoder_alloc</c>'s checks): window 4..15 bits,
    /// lookahead at least 3 bits and smaller than the window.
    /// </summary>
    public bool IsSupported =>
        WindowBits >= MinWindowBits && WindowBits <= MaxWindowBits
        && LookaheadBits >= MinLookaheadBits && LookaheadBits < WindowBits;

    /// <summary>The header byte detools writes.</summary>
    public byte ToHeaderByte()
    {
        if (WindowBits < 4 || WindowBits > 19 || LookaheadBits < 3 || LookaheadBits > 18)
        {
            throw new InvalidOperationException($"heatshrink window {WindowBits} / lookahead {LookaheadBits} does not fit the detools header byte");
        }

        return (byte)(((WindowBits - 4) << 4) | (LookaheadBits - 3));
    }

    /// <summary>Decodes detools' header byte (any value decodes; judge it with <see cref="IsSupported"/>).</summary>
    public static HeatshrinkParameters FromHeaderByte(byte value) => new(((value >> 4) & 0xF) + 4, (value & 0xF) + 3);

    /// <inheritdoc/>
    public override string ToString() => $"window-sz2: {WindowBits}, lookahead-sz2: {LookaheadBits}";
}
