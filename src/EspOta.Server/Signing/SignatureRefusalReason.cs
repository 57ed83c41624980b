namespace EspOta.Server.Signing;

/// <summary>The machine-readable <c>reason</c> of a 422 signature refusal (the problem's extension member).</summary>
public static class SignatureRefusalReason
{
    /// <summary>No well-formed Secure Boot v2 signature block where the device looks for one (after the image padded to 4 KiB).</summary>
    public const string Unsigned = "unsigned";

    /// <summary>Signed, but by no key the project trusts (revoked or not).</summary>
    public const string UnknownKey = "unknown_key";

    /// <summary>Signed by the project's keys only where they are revoked.</summary>
    public const string RevokedKey = "revoked_key";

    /// <summary>A block names a trusted key, but its digest or signature does not verify over the image.</summary>
    public const string BadSignature = "bad_signature";
}
