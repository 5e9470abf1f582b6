using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.SenderAuth;

public static class DmarcStatus
{
    /// <summary>A policy is published and our DKIM signature (d= the From domain) aligns.</summary>
    public const string Aligned = "aligned";
    /// <summary>A policy is published and neither our DKIM d= nor our Return-Path aligns.</summary>
    public const string NotAligned = "not_aligned";
    /// <summary>No usable DMARC record at the domain or its organisational domain: nothing to align with.</summary>
    public const string NotPublished = "not_published";
    public const string TempError = "temperror";
}

/// <summary>
/// The DMARC policy that governs a From domain (RFC 7489 §6.6.3: the domain's own _dmarc record, else
/// the organisational domain's) and whether our identifiers align with it: DKIM d= and the
/// Return-Path domain, relaxed (same organisational domain) or strict (equal) as adkim= / aspf= say.
/// </summary>
public sealed record DmarcCheckResult(
    string Status, string Name, string? Record, string? Policy, string? SubdomainPolicy, string DkimMode, string SpfMode,
    bool DkimAligned, bool SpfAligned, string Reason)
{
    public bool Ok => Status is DmarcStatus.Aligned or DmarcStatus.NotPublished;
}

public static class DmarcCheck
{
    public static async Task<DmarcCheckResult> CheckAsync(ISpfDns dns, PublicSuffixList suffixes, string fromDomain, string dkimDomain,
        bool dkimPublished, string returnPathDomain, CancellationToken cancellationToken)
    {
        fromDomain = fromDomain.TrimEnd('.').ToLowerInvariant();
        var organizational = suffixes.OrganizationalDomain(fromDomain);
        var names = organizational == fromDomain ? new[] { fromDomain } : [fromDomain, organizational];
        foreach (var domain in names)
        {
            var name = "_dmarc." + domain;
            var answer = await dns.TxtAsync(name, cancellationToken);
            if (answer.Status == DnsStatus.Failed)
            {
                return new(DmarcStatus.TempError, name, null, null, null, "r", "r", false, false, $"DNS lookup of TXT {name} failed: {answer.Error ?? "no answer"}");
            }
            var records = answer.Records.Where(r => r.StartsWith("v=DMARC1", StringComparison.Ordinal)
                                                    && r[8..].TrimStart().StartsWith(';')).ToList();
            if (records.Count == 0 && answer.Records.Any(r => r.StartsWith("v=DMARC1", StringComparison.OrdinalIgnoreCase)))
            {
                return NotPublished(name, answer.Records[0], $"{name}: the record is not valid ('v=DMARC1;' must start it) and is ignored");
            }
            if (records.Count > 1)
            {
                return NotPublished(name, string.Join(" | ", records), $"{name} has {records.Count} DMARC records; receivers ignore them all");
            }
            if (records.Count == 0)
            {
                continue;
            }
            var record = records[0];
            var tags = DkimCheck.Tags(record);
            if (tags is null || !tags.TryGetValue("p", out var p) || p is not ("none" or "quarantine" or "reject"))
            {
                // §6.6.3: a record without a valid p= is treated as p=none when it names rua=, else ignored.
                if (tags is not null && tags.ContainsKey("rua"))
                {
                    p = "none";
                }
                else
                {
                    return NotPublished(name, record, $"{name}: no valid p= (none, quarantine or reject); the record is ignored");
                }
            }
            tags.TryGetValue("sp", out var sp);
            var adkim = tags.TryGetValue("adkim", out var a) && a == "s" ? "s" : "r";
            var aspf = tags.TryGetValue("aspf", out var s) && s == "s" ? "s" : "r";
            var policy = domain == fromDomain ? p! : sp ?? p!;
            var dkimAligned = dkimPublished && Aligned(dkimDomain, fromDomain, adkim, suffixes);
            var spfAligned = Aligned(returnPathDomain, fromDomain, aspf, suffixes);
            var found = domain == fromDomain ? name : $"{name} (organisational domain of {fromDomain})";
            if (dkimAligned || spfAligned)
            {
                return new(DmarcStatus.Aligned, name, record, p, sp, adkim, aspf, dkimAligned, spfAligned,
                    $"p={policy} at {found}; " + (dkimAligned ? $"our DKIM d={dkimDomain} aligns ({Mode(adkim)})" : $"our Return-Path {returnPathDomain} aligns ({Mode(aspf)})"));
            }
            var why = dkimPublished
                ? $"d={dkimDomain} does not align with {fromDomain} ({Mode(adkim)})"
                : "our DKIM key is not published, so no signature of ours can pass";
            return new(DmarcStatus.NotAligned, name, record, p, sp, adkim, aspf, false, false,
                $"p={policy} at {found}; {why}, and the Return-Path {returnPathDomain} does not align ({Mode(aspf)})");
        }
        return NotPublished("_dmarc." + fromDomain, null,
            organizational == fromDomain ? $"_dmarc.{fromDomain} has no DMARC record" : $"neither _dmarc.{fromDomain} nor _dmarc.{organizational} has a DMARC record");
    }

    private static DmarcCheckResult NotPublished(string name, string? record, string reason) =>
        new(DmarcStatus.NotPublished, name, record, null, null, "r", "r", false, false, reason);

    private static string Mode(string mode) => mode == "s" ? "strict" : "relaxed";

    public static bool Aligned(string identifier, string fromDomain, string mode, PublicSuffixList suffixes)
    {
        identifier = identifier.TrimEnd('.').ToLowerInvariant();
        fromDomain = fromDomain.TrimEnd('.').ToLowerInvariant();
        return mode == "s"
            ? identifier == fromDomain
            : suffixes.OrganizationalDomain(identifier) == suffixes.OrganizationalDomain(fromDomain);
    }
}
