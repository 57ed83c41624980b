namespace EspOta.Http;

/// <summary>How far an HTTP OTA has come.</summary>
/// <param name="BytesWritten">Image bytes on flash (including those written before a resume).</param>
/// <param name="TotalBytes">Image size.</param>
/// <param name="Retries">Failed requests retried so far.</param>
public readonly record struct HttpOtaProgress(long BytesWritten, long TotalBytes, int Retries)
{
    /// <summary>0…1.</summary>
    public double Fraction => TotalBytes == 0 ? 1 : (double)BytesWritten / TotalBytes;
}
