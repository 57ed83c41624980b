namespace EspOta.Security;

/// <summary>Finds the first PEM block of a key file.</summary>
internal static class PemKeys
{
    public static (string Label, byte[] Der) Decode(string pem)
    {
        if (!System.Security.Cryptography.PemEncoding.TryFind(pem, out var fields))
        {
            throw new SignatureException(SignatureProblem.InvalidKeyFile,
                "Verification key does not appear to be an RSA Private or Public key in PEM format. Unsupported");
        }

        string label = pem[fields.Label];
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        return (label, der);
    }
}
