using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using EspOta.Images;
using EspOta.Security;

namespace EspOta.Benchmarks.Security;

/// <summary>
/// Signing and verifying a 1.5 MiB app image per scheme, against <c>SHA256.HashData</c> over the same bytes (the
/// floor: one pass). "verify image + signature" is ImageVerifier's one pass followed by the signature check on the
/// digest that pass computed; "signature check only" is the cost the signature adds on top (no second pass).
/// </summary>
[MemoryDiagnoser]
public class SignatureBenchmarks
{
    private const int ImageSize = 1536 * 1024;
    private byte[] _unsigned = [];
    private byte[] _signed = [];
    private SecureBootSigningKey? _key;
    private SecureBootKeyDigest[] _trusted = [];
    private SignedDataDigest? _digest;
    private SignatureSector? _sector;
    private ImageVerifyOptions _options = ImageVerifyOptions.Default;

    [Params(SignatureScheme.Rsa3072, SignatureScheme.EcdsaP192, SignatureScheme.EcdsaP256, SignatureScheme.EcdsaP384)]
    public SignatureScheme Scheme { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _unsigned = new AppImageBuilder(Chip.Esp32C3).WithPayload(ImageSize - 0x1000 - 0x200).Build();
        _key = SecureBootSigningKey.Generate(Scheme);
        _signed = ImageSigner.Sign(_unsigned, [_key]).Bytes;
        _trusted = [_key.PublicKey.Digest];
        _options = new ImageVerifyOptions { SecureBootV2 = true, SignedDataSha384 = Scheme == SignatureScheme.EcdsaP384 };
        var verification = ImageVerifier.Verify(_signed, _options);
        _digest = verification.SignedData!;
        _sector = verification.SignatureSector!;
        if (!verification.IsValid || !SignatureVerifier.Verify(_sector, _digest, _trusted, Scheme).IsValid)
        {
            throw new InvalidOperationException($"benchmark image does not verify: {verification}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _key?.Dispose();

    [Benchmark(Baseline = true, Description = "SHA256.HashData 1.5 MiB")]
    public byte[] Sha256() => SHA256.HashData(_signed);

    [Benchmark(Description = "ImageSigner.Sign 1.5 MiB")]
    public int Sign() => ImageSigner.Sign(_unsigned, [_key!]).Bytes.Length;

    [Benchmark(Description = "verify image + signature 1.5 MiB")]
    public bool VerifyImageAndSignature()
    {
        var verification = ImageVerifier.Verify(_signed, _options);
        return verification.IsValid && SignatureVerifier.Verify(verification.SignatureSector!, verification.SignedData!, _trusted, Scheme).IsValid;
    }

    [Benchmark(Description = "ImageVerifier.Verify only 1.5 MiB")]
    public bool VerifyImageOnly() => ImageVerifier.Verify(_signed, _options).IsValid;

    [Benchmark(Description = "signature check only (digest given)")]
    public bool SignatureOnly() => SignatureVerifier.Verify(_sector!, _digest!, _trusted, Scheme).IsValid;
}
