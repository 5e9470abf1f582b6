using System.Net;
using System.Text.Json.Serialization;

namespace PrPortal.Features.SenderAuth;

/// <summary>SPF for every sending IP: the result per IP, the record found and the one to publish.</summary>
public sealed record SpfReport(
    string Result, string? Record, string Expected,
    [property: JsonPropertyName("per_ip")] IReadOnlyDictionary<string, string> PerIp,
    IReadOnlyDictionary<string, string> Reasons, string Reason)
{
    public bool Ok => Result == "pass";
}

/// <summary>One domain's check: what <c>sender-check</c> prints and the sender domains page shows.</summary>
public sealed record SenderCheckReport(
    string Domain, DateTime CheckedAtUtc, bool Registered, SpfReport Spf, DkimCheckResult? Dkim, DmarcCheckResult Dmarc,
    bool CustomFromAllowed, IReadOnlyList<string> Blockers);

/// <summary>
/// The gate's rule: a company's own From is allowed only while SPF passes for every sending IP
/// (primary and spare), our DKIM key is published and matches, and a published DMARC policy aligns.
/// All DNS goes through <see cref="ISpfDns"/>, cached for the one check.
/// </summary>
public sealed class SenderDomainChecker(SenderAuthOptions options, PublicSuffixList suffixes, TimeProvider clock)
{
    public sealed record Key(string Selector, string PublicKey);

    public async Task<SenderCheckReport> CheckAsync(ISpfDns dns, string domain, IReadOnlyList<string> sendingIps, string helo,
        Key? key, CancellationToken cancellationToken)
    {
        domain = domain.Trim().TrimEnd('.').ToLowerInvariant();
        var cached = new CachingSpfDns(dns);
        var spf = await SpfAsync(cached, domain, sendingIps, helo, cancellationToken);
        DkimCheckResult? dkim = null;
        if (key is not null)
        {
            var name = DkimCheck.RecordName(key.Selector, domain);
            dkim = DkimCheck.Evaluate(key.Selector, domain, key.PublicKey, await cached.TxtAsync(name, cancellationToken));
        }
        var dmarc = await DmarcCheck.CheckAsync(cached, suffixes, domain, domain, dkim?.Ok == true, Delivery.ReleaseMessage.BounceDomain, cancellationToken);

        var blockers = new List<string>();
        if (!spf.Ok)
        {
            blockers.Add($"SPF {spf.Result}: {spf.Reason}");
        }
        if (dkim is null)
        {
            blockers.Add("DKIM: the domain is not registered in PrPortal, so it has no key of ours");
        }
        else if (!dkim.Ok)
        {
            blockers.Add($"DKIM {dkim.Status}: {dkim.Reason}");
        }
        if (!dmarc.Ok)
        {
            blockers.Add($"DMARC {dmarc.Status}: {dmarc.Reason}");
        }
        return new SenderCheckReport(domain, clock.GetUtcNow().UtcDateTime, key is not null, spf, dkim, dmarc, blockers.Count == 0, blockers);
    }

    private async Task<SpfReport> SpfAsync(ISpfDns dns, string domain, IReadOnlyList<string> sendingIps, string helo, CancellationToken cancellationToken)
    {
        var evaluator = new SpfEvaluator(dns, clock);
        // In the pool's order (primaries, then spares), as the page draws them.
        var perIp = new Dictionary<string, string>(StringComparer.Ordinal);
        var reasons = new Dictionary<string, string>(StringComparer.Ordinal);
        string? record = null;
        var firstFailure = (Result: (string?)null, Reason: "");
        foreach (var ip in sendingIps)
        {
            var outcome = await evaluator.CheckAsync(IPAddress.Parse(ip), "postmaster@" + domain, helo, cancellationToken);
            var result = SpfEvaluator.ResultName(outcome.Result);
            perIp[ip] = result;
            record ??= outcome.Record;
            if (outcome.Result != SpfResult.Pass)
            {
                reasons[ip] = outcome.Reason;
                if (firstFailure.Result is null)
                {
                    firstFailure = (result, $"{ip}: {outcome.Reason}");
                }
            }
        }
        if (sendingIps.Count == 0)
        {
            firstFailure = ("none", "there are no sending IPs to check");
        }
        var failing = perIp.Count(p => p.Value != "pass");
        var reason = firstFailure.Result is null
            ? $"all {perIp.Count} sending IPs pass"
            : failing == 1 ? firstFailure.Reason : $"{failing} of {perIp.Count} sending IPs do not pass; first {firstFailure.Reason}";
        return new SpfReport(firstFailure.Result ?? "pass", record, ExpectedSpf(record), perIp, reasons, reason);
    }

    /// <summary>The SPF record to publish: the one found with our include added before its last term, or a new one.</summary>
    public string ExpectedSpf(string? found)
    {
        var include = "include:" + options.SpfInclude;
        if (found is null || found.Contains(" | ", StringComparison.Ordinal) || !SpfRecordParser.IsSpf(found))
        {
            return $"v=spf1 {include} -all";
        }
        var terms = found.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (terms.Any(t => t.Equals(include, StringComparison.OrdinalIgnoreCase) || t.Equals("+" + include, StringComparison.OrdinalIgnoreCase)))
        {
            return string.Join(' ', terms);
        }
        var all = terms.FindIndex(t => t.TrimStart('+', '-', '~', '?').Equals("all", StringComparison.OrdinalIgnoreCase)
                                       || t.StartsWith("redirect=", StringComparison.OrdinalIgnoreCase));
        terms.Insert(all < 0 ? terms.Count : all, include);
        return string.Join(' ', terms);
    }
}
