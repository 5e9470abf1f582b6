using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using MimeKit;
using MimeKit.Cryptography;

namespace PrPortal.Features.SenderAuth;

/// <summary>A new key pair: the PEM private key (to be protected before it is stored) and the p= value.</summary>
public sealed record DkimKeyPair(string PrivateKeyPem, string PublicKey);

/// <summary>
/// DKIM keys: RSA 2048 pairs made here, the private half encrypted at rest with ASP.NET Data
/// Protection, and MimeKit signers (relaxed/relaxed, rsa-sha256) over the headers that matter.
/// </summary>
public sealed class DkimKeys(IDataProtectionProvider protection)
{
    public const int KeyBits = 2048;
    private const string Purpose = "PrPortal.SenderAuth.DkimPrivateKey.v1";

    /// <summary>The headers our signature covers (From is required by RFC 6376 §5.4).</summary>
    public static readonly HeaderId[] SignedHeaders =
        [HeaderId.From, HeaderId.ReplyTo, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.MimeVersion, HeaderId.ContentType];

    public static DkimKeyPair Generate()
    {
        using var rsa = RSA.Create(KeyBits);
        return new DkimKeyPair(rsa.ExportRSAPrivateKeyPem(), Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The TXT record to publish at selector._domainkey.domain.</summary>
    public static string Record(string publicKey) => $"v=DKIM1; k=rsa; p={publicKey}";

    public string Protect(string privateKeyPem) => protection.CreateProtector(Purpose).Protect(privateKeyPem);

    public string Unprotect(string protectedKey) => protection.CreateProtector(Purpose).Unprotect(protectedKey);

    public static DkimSigner Signer(string privateKeyPem, string domain, string selector)
    {
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(privateKeyPem));
        return new DkimSigner(stream, domain, selector, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
    }

    /// <summary>Signs in place; a signature from an earlier try is replaced, not stacked.</summary>
    public static void Sign(DkimSigner signer, MimeMessage message)
    {
        message.Headers.RemoveAll(HeaderId.DkimSignature);
        message.Prepare(EncodingConstraint.SevenBit);
        var headers = SignedHeaders.Where(h => message.Headers.Contains(h)).ToList();
        signer.Sign(message, headers);
    }
}
