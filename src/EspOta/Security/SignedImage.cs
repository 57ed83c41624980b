namespace EspOta.Security;

/// <summary>The output of <see cref="ImageSigner.Sign"/>.</summary>
/// <param name="Bytes">The signed data followed by the 4 KiB signature sector.</param>
/// <param name="SignedLength">Length of the signed data (= offset of the sector).</param>
/// <param name="PaddedBy">0xFF bytes added so that the sector starts on a 4 KiB boundary.</param>
/// <param name="KeptBlocks">Blocks kept byte for byte from the input's sector (<c>--append</c>).</param>
/// <param name="AddedBlocks">Blocks computed now.</param>
/// <param name="AppendFoundNoBlock">True when <c>--append</c> was asked on an aligned input without a valid block, so the whole input was signed afresh.</param>
public sealed record SignedImage(byte[] Bytes, long SignedLength, int PaddedBy, int KeptBlocks, int AddedBlocks, bool AppendFoundNoBlock)
{
    /// <summary>Blocks in the sector now.</summary>
    public int TotalBlocks => KeptBlocks + AddedBlocks;
}
