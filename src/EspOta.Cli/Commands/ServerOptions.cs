using System.CommandLine;

namespace EspOta.Cli.Commands;

/// <summary>Options shared by commands that talk to an update server.</summary>
internal static class ServerOptions
{
    /// <summary>Environment variable read when <c>--api-key</c> is not given.</summary>
    public const string ApiKeyVariable = "ESP_OTA_API_KEY";

    public static Option<Uri> Server() => new("--server")
    {
        Description = "Base URL of the update server, e.g. http://127.0.0.1:8070.",
        Required = true,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            result.AddError($"--server '{text}' is not an absolute http(s) URL");
            return null;
        },
    };

    public static Option<string?> ApiKey() => new("--api-key")
    {
        Description = $"The server's API key (default: ${ApiKeyVariable}).",
    };

    public static Option<bool> Json() => new("--json") { Description = "Write JSON to stdout." };

    public static string RequireApiKey(string? value) =>
        !string.IsNullOrEmpty(value) ? value
        : Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : throw new UsageException($"--api-key is required (or set {ApiKeyVariable})");

    /// <summary>Throws <see cref="ServerProblemException"/> with the server's problem details unless the response succeeded.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        string detail = body;
        try
        {
            using var problem = System.Text.Json.JsonDocument.Parse(body);
            if (problem.RootElement.TryGetProperty("detail", out var d) && d.GetString() is { } text)
            {
                detail = text;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a problem document: show the body as it came.
        }

        throw new ServerProblemException(
            (int)response.StatusCode,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} -> {(int)response.StatusCode} {response.ReasonPhrase}: {detail}");
    }
}
