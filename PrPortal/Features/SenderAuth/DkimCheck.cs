using System.Security.Cryptography;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.SenderAuth;

public static class DkimStatus
{
    public const string Ok = "ok";
    public const string Missing = "missing";
    public const string Revoked = "revoked";
    public const string Mismatch = "mismatch";
    public const string WeakKey = "weak_key";
    public const string Malformed = "malformed";
    public const string TempError = "temperror";
}

/// <summary>What is published at selector._domainkey.domain compared with our public key.</summary>
public sealed record DkimCheckResult(string Status, string Name, string? Found, string Expected, int? KeyBits, string Reason)
{
    public bool Ok => Status == DkimStatus.Ok;
}

/// <summary>Reads a DKIM key record (RFC 6376 §3.6.1) and compares it with the key we sign with. Pure.</summary>
public static class DkimCheck
{
    public const int MinimumKeyBits = 1024;

    public static string RecordName(string selector, string domain) => $"{selector}._domainkey.{domain}";

    public static DkimCheckResult Evaluate(string selector, string domain, string publicKey, DnsAnswer<string> answer)
    {
        var name = RecordName(selector, domain);
        var expected = DkimKeys.Record(publicKey);
        if (answer.Status == DnsStatus.Failed)
        {
            return new(DkimStatus.TempError, name, null, expected, null, $"DNS lookup of TXT {name} failed: {answer.Error ?? "no answer"}");
        }
        var records = answer.Records.Where(r => !string.IsNullOrWhiteSpace(r)).ToList();
        if (records.Count == 0)
        {
            return new(DkimStatus.Missing, name, null, expected, null,
                answer.Status == DnsStatus.NxDomain ? $"{name} does not exist" : $"{name} has no TXT record");
        }
        if (records.Count > 1)
        {
            return new(DkimStatus.Malformed, name, string.Join(" | ", records), expected, null, $"{name} has {records.Count} TXT records; a key record must be alone");
        }
        var found = records[0];
        var tags = Tags(found);
        if (tags is null)
        {
            return new(DkimStatus.Malformed, name, found, expected, null, "the record is not a list of tag=value pairs");
        }
        if (tags.TryGetValue("v", out var version) && version != "DKIM1")
        {
            return new(DkimStatus.Malformed, name, found, expected, null, $"v={version}; a key record says v=DKIM1");
        }
        if (tags.TryGetValue("k", out var keyType) && !keyType.Equals("rsa", StringComparison.OrdinalIgnoreCase))
        {
            return new(DkimStatus.Mismatch, name, found, expected, null, $"k={keyType}; our key is RSA");
        }
        if (!tags.TryGetValue("p", out var p))
        {
            return new(DkimStatus.Malformed, name, found, expected, null, "the record has no p= (public key)");
        }
        p = string.Concat(p.Where(c => !char.IsWhiteSpace(c)));
        if (p.Length == 0)
        {
            return new(DkimStatus.Revoked, name, found, expected, null, "p= is empty: the key is revoked (RFC 6376 §3.6.1)");
        }
        int bits;
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(p), out _);
            bits = rsa.KeySize;
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return new(DkimStatus.Malformed, name, found, expected, null, "p= is not a base64 RSA public key");
        }
        if (bits < MinimumKeyBits)
        {
            return new(DkimStatus.WeakKey, name, found, expected, bits, $"the published key has {bits} bits; receivers ignore keys under {MinimumKeyBits} bits, and it is not ours");
        }
        if (p != publicKey)
        {
            return new(DkimStatus.Mismatch, name, found, expected, bits, "the published key is not the one PrPortal signs with");
        }
        if (tags.TryGetValue("t", out var flags) && flags.Split(':').Any(f => f.Trim() == "y"))
        {
            return new(DkimStatus.Ok, name, found, expected, bits, "our key is published (t=y: the domain is testing DKIM)");
        }
        return new(DkimStatus.Ok, name, found, expected, bits, "our key is published");
    }

    /// <summary>tag=value pairs separated by ';' (RFC 6376 §3.2); null when the text is not such a list.</summary>
    public static Dictionary<string, string>? Tags(string text)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(';'))
        {
            if (part.Trim().Length == 0)
            {
                continue;
            }
            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                return null;
            }
            var tag = part[..eq].Trim();
            if (tag.Length == 0 || !tags.TryAdd(tag, part[(eq + 1)..].Trim()))
            {
                return null;
            }
        }
        return tags;
    }
}
