using System.CommandLine;
using EspOta.Server.Tls;

namespace EspOta.Cli.Commands;

/// <summary>
/// The TLS options of <c>esp-ota serve</c>: HTTPS with <c>--cert</c>/<c>--key</c> (and
/// <c>--client-ca</c> for mutual TLS); plain HTTP only with <c>--allow-http</c>, as
/// <c>esp_https_ota</c> refuses it without <c>CONFIG_ESP_HTTPS_OTA_ALLOW_HTTP</c>.
/// </summary>
internal sealed class ServeTlsOptions
{
    public const string DefaultHttpsUrl = "https://127.0.0.1:8443";
    public const string DefaultHttpUrl = "http://127.0.0.1:8070";

    private readonly Option<FileInfo?> _cert = new("--cert") { Description = "Server certificate (PEM, leaf first); reloaded when the file changes." };
    private readonly Option<FileInfo?> _key = new("--key") { Description = "The certificate's private key (unencrypted PEM)." };
    private readonly Option<FileInfo?> _clientCa = new("--client-ca") { Description = "Require client certificates issued by this CA (PEM): mutual TLS." };
    private readonly Option<bool> _allowHttp = new("--allow-http") { Description = "Allow plain http:// addresses (firmware and update checks unencrypted)." };

    public static ServeTlsOptions Create() => new();

    public void AddTo(Command command)
    {
        command.Options.Add(_cert);
        command.Options.Add(_key);
        command.Options.Add(_clientCa);
        command.Options.Add(_allowHttp);
    }

    public (string Urls, EspOtaTlsOptions? Tls) Resolve(ParseResult parse, string? urls)
    {
        var cert = parse.GetValue(_cert);
        var key = parse.GetValue(_key);
        var clientCa = parse.GetValue(_clientCa);
        if ((cert is null) != (key is null))
        {
            throw new UsageException("--cert and --key go together");
        }

        if (clientCa is not null && cert is null)
        {
            throw new UsageException("--client-ca needs --cert and --key (mutual TLS is HTTPS)");
        }

        string listen = urls ?? (cert is not null ? DefaultHttpsUrl : DefaultHttpUrl);
        foreach (var url in listen.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                if (cert is null)
                {
                    throw new UsageException($"{url}: HTTPS needs --cert and --key (esp-ota certs create makes a local pair)");
                }
            }
            else if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                if (!parse.GetValue(_allowHttp))
                {
                    throw new UsageException($"{url}: plain HTTP is refused unless --allow-http is given (as esp_https_ota without CONFIG_ESP_HTTPS_OTA_ALLOW_HTTP); use https:// with --cert and --key");
                }
            }
            else
            {
                throw new UsageException($"{url}: an address must start with http:// or https://");
            }
        }

        if (cert is null)
        {
            return (listen, null);
        }

        foreach (var file in new[] { cert, key!, clientCa }.OfType<FileInfo>())
        {
            if (!file.Exists)
            {
                throw new FileNotFoundException($"{file.FullName} does not exist", file.FullName);
            }
        }

        return (listen, new EspOtaTlsOptions { CertificatePath = cert.FullName, KeyPath = key!.FullName, ClientCaPath = clientCa?.FullName });
    }
}
