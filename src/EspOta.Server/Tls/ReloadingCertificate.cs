using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace EspOta.Server.Tls;

/// <summary>
/// The server certificate, read from its PEM files and read again when either file's time stamp or
/// length changes (checked at most once a second, at a handshake), so a renewed certificate is used
/// without a restart. A half-written or mismatched pair is logged and the previous certificate kept.
/// </summary>
internal sealed class ReloadingCertificate : IDisposable
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly ILogger? _logger;
    private readonly Lock _gate = new();
    private X509Certificate2 _current;
    private (DateTime, long, DateTime, long) _stamp;
    private long _nextCheck;

    public ReloadingCertificate(string certificatePath, string keyPath, ILogger? logger = null)
    {
        _certificatePath = Path.GetFullPath(certificatePath);
        _keyPath = Path.GetFullPath(keyPath);
        _logger = logger;
        _stamp = Stamp();
        _current = Load();
        _nextCheck = Environment.TickCount64 + (long)CheckInterval.TotalMilliseconds;
    }

    /// <summary>How many times the files were read (1 after start).</summary>
    public int Loads { get; private set; } = 1;

    /// <summary>The certificate to present now.</summary>
    public X509Certificate2 Current
    {
        get
        {
            long now = Environment.TickCount64;
            if (now < Interlocked.Read(ref _nextCheck))
            {
                return _current;
            }

            lock (_gate)
            {
                _nextCheck = now + (long)CheckInterval.TotalMilliseconds;
                var stamp = Stamp();
                if (stamp != _stamp)
                {
                    try
                    {
                        var fresh = Load();
                        _stamp = stamp;
                        _current = fresh;
                        Loads++;
                        _logger?.LogInformation("TLS certificate reloaded: {Subject}, valid until {NotAfter:u}", fresh.Subject, fresh.NotAfter);
                    }
                    catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException)
                    {
                        _logger?.LogWarning("TLS certificate files changed but cannot be read yet ({Reason}); keeping the previous certificate", ex.Message);
                    }
                }

                return _current;
            }
        }
    }

    private X509Certificate2 Load()
    {
        using var pem = X509Certificate2.CreateFromPemFile(_certificatePath, _keyPath);

        // Kestrel on Linux can use the ephemeral PEM key; the PKCS#12 round trip makes the key
        // usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private (DateTime, long, DateTime, long) Stamp()
    {
        var cert = new FileInfo(_certificatePath);
        var key = new FileInfo(_keyPath);
        return (cert.Exists ? cert.LastWriteTimeUtc : default, cert.Exists ? cert.Length : -1,
            key.Exists ? key.LastWriteTimeUtc : default, key.Exists ? key.Length : -1);
    }

    public void Dispose() => _current.Dispose();
}
