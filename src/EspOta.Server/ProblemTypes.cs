namespace EspOta.Server;

/// <summary>The <c>type</c> URIs of the server's ProblemDetails responses, one per kind of refusal.</summary>
public static class ProblemTypes
{
    private const string Prefix = "urn:esp-ota:problem:";

    /// <summary>The uploaded bytes are not a valid app image.</summary>
    public const string InvalidImage = Prefix + "invalid-image";

    /// <summary>The image header names a chip the server does not know.</summary>
    public const string UnknownChip = Prefix + "unknown-chip";

    /// <summary>The image has no <c>esp_app_desc_t</c> (e.g. a bootloader).</summary>
    public const string NoAppDescription = Prefix + "no-app-description";

    /// <summary>The same image, or the same (project, version, chip), is already in the repository.</summary>
    public const string DuplicateFirmware = Prefix + "duplicate-firmware";

    /// <summary>The request body is larger than allowed.</summary>
    public const string TooLarge = Prefix + "too-large";

    /// <summary>The request body is empty.</summary>
    public const string EmptyBody = Prefix + "empty-body";

    /// <summary>The JSON body is malformed or misses required fields.</summary>
    public const string MalformedRequest = Prefix + "malformed-request";

    /// <summary>An id in the URL is not well-formed.</summary>
    public const string BadId = Prefix + "bad-id";

    /// <summary>The thing named in the URL does not exist.</summary>
    public const string NotFound = Prefix + "not-found";

    /// <summary>The API key is missing or wrong.</summary>
    public const string Unauthorized = Prefix + "unauthorized";

    /// <summary>A string in the body is longer than the server stores.</summary>
    public const string TooLong = Prefix + "too-long";

    /// <summary>No bytes of the request body arrived for the idle timeout.</summary>
    public const string RequestTimeout = Prefix + "request-timeout";

    /// <summary>The request body ended (or the connection broke) before its Content-Length.</summary>
    public const string IncompleteBody = Prefix + "incomplete-body";

    /// <summary>Too many requests from this client address; retry after the time in <c>Retry-After</c>.</summary>
    public const string RateLimited = Prefix + "rate-limited";

    /// <summary>Device enrolment is on and the request lacks the device's token.</summary>
    public const string DeviceTokenRequired = Prefix + "device-token-required";

    /// <summary>A paging parameter is malformed.</summary>
    public const string BadPage = Prefix + "bad-page";

    /// <summary>The rollout's state does not allow the action (resume a cancelled rollout, …).</summary>
    public const string RolloutConflict = Prefix + "rollout-conflict";

    /// <summary>A rollout with that id already exists.</summary>
    public const string DuplicateRollout = Prefix + "duplicate-rollout";

    /// <summary>The upload is an esp_encrypted_img file; the server takes plain images and encrypts them itself (issue 11).</summary>
    public const string EncryptedUpload = Prefix + "encrypted-upload";

    /// <summary>The encryption key given for a project is not an RSA-3072 or P-256 public key PEM.</summary>
    public const string InvalidEncryptionKey = Prefix + "invalid-encryption-key";

    /// <summary>The rollout's stages, gate or target are invalid.</summary>
    public const string InvalidRollout = Prefix + "invalid-rollout";

    /// <summary>The project has a signing policy and the upload does not satisfy it; the <c>reason</c> member says how (<see cref="Signing.SignatureRefusalReason"/>).</summary>
    public const string SignatureRefused = Prefix + "signature-refused";

    /// <summary>A public key PEM or key digest in the body cannot be used as a Secure Boot v2 key.</summary>
    public const string BadSigningKey = Prefix + "bad-signing-key";
}
