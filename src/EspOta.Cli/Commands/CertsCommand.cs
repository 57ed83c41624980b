using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using EspOta.Cli.Files;
using EspOta.Security;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota certs create</c>: a local CA and a server (and optionally client) certificate as PEM files.</summary>
internal static class CertsCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        var command = new Command("certs", "Certificates for HTTPS between the update server and devices.");
        command.Subcommands.Add(CreateCreate(context));
        return command;
    }

    private static Command CreateCreate(CliContext context)
    {
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder for ca.pem, ca.key, server.pem, server.key (client.pem, client.key).", Required = true };
        var names = new Option<string[]>("--name") { Description = "Extra server name or IP address (besides 127.0.0.1 and localhost); repeatable.", AllowMultipleArgumentsPerToken = true };
        var client = new Option<string?>("--client") { Description = "Also issue a client certificate with this common name (mutual TLS)." };
        var days = new Option<int>("--days") { Description = "Validity of the server/client certificates in days.", DefaultValueFactory = _ => 825 };
        var newCa = new Option<bool>("--new-ca") { Description = "Make a new CA even if ca.pem and ca.key exist in the folder (by default they are reused, so devices keep trusting it)." };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout." };
        var create = new Command("create", "Create (or reuse) a local CA and issue a server certificate for 127.0.0.1, localhost and the given names.")
        {
            output, names, client, days, newCa, json,
        };
        create.SetAction(parse =>
        {
            int validDays = parse.GetValue(days);
            if (validDays <= 0)
            {
                throw new UsageException("--days must be positive");
            }

            var folder = parse.GetRequiredValue(output);
            folder.Create();
            string Of(string name) => Path.Combine(folder.FullName, name);
            // Either CA file present means "reuse": a lone or broken one is an error to look at, never silently replaced.
            bool reuse = !parse.GetValue(newCa) && new[] { Of("ca.pem"), Of("ca.key") }.Any(p => File.Exists(p) || Directory.Exists(p));
            using var ca = reuse ? LoadCa(new FileInfo(Of("ca.pem")), new FileInfo(Of("ca.key"))) : LocalCertificateAuthority.Create();
            if (!reuse)
            {
                WriteKey(Of("ca.key"), ca.ExportKeyPem());
                AtomicFile.Write(Of("ca.pem"), s => s.Write(System.Text.Encoding.ASCII.GetBytes(LocalCertificateAuthority.CertificatePem(ca.Certificate))));
            }

            var serverNames = new List<string> { "127.0.0.1", "localhost" };
            serverNames.AddRange((parse.GetValue(names) ?? []).Where(n => !serverNames.Contains(n, StringComparer.OrdinalIgnoreCase)));
            using var server = ca.IssueServer(serverNames, validity: TimeSpan.FromDays(validDays));
            // The key first: a server reloading on change never sees a new certificate with the old key for long.
            WriteKey(Of("server.key"), LocalCertificateAuthority.KeyPem(server));
            AtomicFile.Write(Of("server.pem"), s => s.Write(System.Text.Encoding.ASCII.GetBytes(LocalCertificateAuthority.CertificatePem(server))));
            var result = new JsonObject
            {
                ["folder"] = folder.FullName,
                ["ca_reused"] = reuse,
                ["ca_cert"] = Of("ca.pem"),
                ["server_cert"] = Of("server.pem"),
                ["server_key"] = Of("server.key"),
                ["server_names"] = new JsonArray([.. serverNames.Select(n => (JsonNode)n)]),
                ["not_after"] = server.NotAfter.ToUniversalTime().ToString("O"),
            };
            if (parse.GetValue(client) is string clientName)
            {
                using var issued = ca.IssueClient(clientName, validity: TimeSpan.FromDays(validDays));
                WriteKey(Of("client.key"), LocalCertificateAuthority.KeyPem(issued));
                AtomicFile.Write(Of("client.pem"), s => s.Write(System.Text.Encoding.ASCII.GetBytes(LocalCertificateAuthority.CertificatePem(issued))));
                result["client_cert"] = Of("client.pem");
                result["client_key"] = Of("client.key");
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(result.ToJsonString(Indented));
            }
            else
            {
                context.Out.WriteLine($"{(reuse ? "Reused" : "Created")} CA {Of("ca.pem")} (give it to devices as cert_pem / their CA bundle)");
                context.Out.WriteLine($"Server certificate {Of("server.pem")} + {Of("server.key")} for {string.Join(", ", serverNames)}, valid until {server.NotAfter.ToUniversalTime():u}");
                if (result["client_cert"] is not null)
                {
                    context.Out.WriteLine($"Client certificate {result["client_cert"]} + {result["client_key"]}");
                }

                context.Out.WriteLine($"Run: esp-ota serve --urls {ServeTlsOptions.DefaultHttpsUrl} --cert {Of("server.pem")} --key {Of("server.key")} …");
            }

            return ExitCodes.Ok;
        });
        return create;
    }

    /// <summary>The CA reused from the folder; either file being unusable is named, with what is wrong.</summary>
    private static LocalCertificateAuthority LoadCa(FileInfo certificate, FileInfo key)
    {
        CliFiles.Read(certificate, "CA certificate");
        CliFiles.Read(key, "CA key");
        try
        {
            return LocalCertificateAuthority.Load(certificate.FullName, key.FullName);
        }
        catch (Exception e) when (CliFiles.IsContentProblem(e))
        {
            throw new FileProblemException(
                $"CA certificate {certificate.FullName} and key {key.FullName} are not a PEM ECDSA certificate and its private key ({e.Message}); fix them or pass --new-ca",
                ExitCodes.Failure,
                e);
        }
    }

    private static void WriteKey(string path, string pem)
    {
        AtomicFile.Write(path, stream =>
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            stream.Write(System.Text.Encoding.ASCII.GetBytes(pem));
        });
    }
}
