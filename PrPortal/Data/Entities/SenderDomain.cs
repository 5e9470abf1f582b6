namespace PrPortal.Data.Entities;

/// <summary>
/// A company's own From domain. The DKIM key pair is PrPortal's: the private key is stored only
/// encrypted (ASP.NET Data Protection) and never shown; the public key is what the company publishes
/// at <c>Selector._domainkey.Domain</c>. The last check's full result is kept as JSON for the page.
/// </summary>
public class SenderDomain
{
    public int Id { get; set; }
    public int CompanyId { get; set; }
    public Company? Company { get; set; }
    /// <summary>Lower-case, no trailing dot.</summary>
    public required string Domain { get; set; }
    public required string Selector { get; set; }
    /// <summary>Base64 SubjectPublicKeyInfo: the p= of the record to publish.</summary>
    public required string DkimPublicKey { get; set; }
    public required string DkimPrivateKeyProtected { get; set; }
    public DateTime CreatedAtUtc { get; set; }

    public DateTime? CheckedAtUtc { get; set; }
    /// <summary>True while the last check passed: releases may go out with this From, signed with our key.</summary>
    public bool CustomFromAllowed { get; set; }
    /// <summary>Set when a domain that passed stops passing; cleared when it passes again.</summary>
    public DateTime? SuspendedAtUtc { get; set; }
    public string? SpfResult { get; set; }
    public string? DkimStatus { get; set; }
    public string? DmarcStatus { get; set; }
    /// <summary>Why the custom From is not allowed, one reason per line; null when allowed.</summary>
    public string? BlockedReasons { get; set; }
    public string? LastCheckJson { get; set; }
}
