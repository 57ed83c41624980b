using System.Security.Cryptography;
using EspOta.Security;
using EspOta.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Encryption;

/// <summary>
/// A project's esp_encrypted_img public key (API key): while a project has one, every upload of it is
/// verified as plain and stored only encrypted for that key; devices decrypt with the private key.
/// Images already stored keep the form they were stored in.
/// </summary>
public static class EncryptionKeyEndpoints
{
    /// <summary>Scheme names as the API and the CLI spell them.</summary>
    internal static string SchemeName(EncryptedImageScheme scheme) => scheme == EncryptedImageScheme.Rsa3072 ? "rsa3072" : "ecies-p256";

    /// <summary>Maps <c>GET|PUT|DELETE /api/projects/{project}/encryption-key</c>.</summary>
    public static RouteGroupBuilder MapEncryptionKeys(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/projects/{project}/encryption-key").WithTags("Encryption").AddEndpointFilter<ApiKeyEndpointFilter>();
        group.MapGet("/", GetAsync).WithSummary("The project's encryption key (404 when its uploads are stored plain)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/", SetAsync).Accepts<EncryptionKeyRequest>("application/json").DisableAntiforgery()
            .WithSummary("Sets the public key later uploads of the project are encrypted for (RSA-3072 or P-256 PEM; private keys are refused)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapDelete("/", RemoveAsync).WithSummary("Removes the key: later uploads are stored plain; encrypted images stay encrypted")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<EncryptionKeyInfo>, ProblemHttpResult>> GetAsync(
        string project, IEncryptionStore store, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (BadProject(project, options.Value) is { } bad)
        {
            return bad;
        }

        return await store.GetKeyAsync(project, cancellationToken) is { } key
            ? TypedResults.Ok(ToInfo(key))
            : Problems.NotFound("encryption key of project", project);
    }

    private static async Task<Results<Ok<EncryptionKeyInfo>, ProblemHttpResult>> SetAsync(
        string project, HttpRequest request, IEncryptionStore store, IOptions<EspOtaServerOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (BadProject(project, options.Value) is { } bad)
        {
            return bad;
        }

        var (body, problem) = await JsonBody.ReadAsync<EncryptionKeyRequest>(request, options.Value.MaxJsonBodySize, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        string pem = body!.PublicKeyPem;
        if (HasPrivateBlock(pem))
        {
            return Invalid("public_key_pem holds a private key; send only the public half (the server must never hold the key that decrypts)");
        }

        ImageEncryptionKey key;
        try
        {
            key = ImageEncryptionKey.FromPem(pem, "public_key_pem");
        }
        catch (EncryptedImageException e)
        {
            return Invalid(e.Message);
        }

        using (key)
        {
            var stored = new ProjectEncryptionKey(project, SchemeName(key.Scheme), key.ExportPem(), key.Fingerprint, time.GetUtcNow());
            await store.SetKeyAsync(stored, cancellationToken);
            return TypedResults.Ok(ToInfo(stored));
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        string project, IEncryptionStore store, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (BadProject(project, options.Value) is { } bad)
        {
            return bad;
        }

        return await store.RemoveKeyAsync(project, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("encryption key of project", project);
    }

    private static EncryptionKeyInfo ToInfo(ProjectEncryptionKey key) => new(key.Project, key.Scheme, key.Fingerprint, key.PublicKeyPem, key.SetAt);

    private static ProblemHttpResult? BadProject(string project, EspOtaServerOptions options) =>
        project.Length == 0 ? Problems.BadId("project", project) : Limits.TooLong(options, ("project", project, false));

    private static bool HasPrivateBlock(ReadOnlySpan<char> pem)
    {
        while (PemEncoding.TryFind(pem, out var fields))
        {
            if (pem[fields.Label].Contains("PRIVATE", StringComparison.Ordinal))
            {
                return true;
            }

            pem = pem[fields.Location.End.Value..];
        }

        return false;
    }

    private static ProblemHttpResult Invalid(string detail) =>
        Problems.Of(StatusCodes.Status422UnprocessableEntity, ProblemTypes.InvalidEncryptionKey, "Invalid encryption key", detail);
}
