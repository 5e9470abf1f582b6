using System.Collections.Concurrent;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.Providers;

public sealed record ProviderResolution(string Domain, string Provider, IReadOnlyList<string> Mx, string Source)
{
    public const string FromMx = "mx", FromKnownList = "known", FromNothing = "unknown";
}

/// <summary>
/// Resolves a recipient domain to its provider: well-known domains at once, others by their MX hosts,
/// cached for the records' TTL. A DNS failure gives "unknown" and is not cached: a timeout is never
/// taken for "other".
/// </summary>
public sealed class ProviderResolver(IDnsResolver dns, TimeProvider clock)
{
    private static readonly TimeSpan MaxCache = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, (ProviderResolution Result, DateTimeOffset Until)> _cache = new(StringComparer.OrdinalIgnoreCase);

    public async Task<ProviderResolution> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        domain = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (ProviderClassifier.Known(domain) is { } known)
        {
            return new ProviderResolution(domain, known, [], ProviderResolution.FromKnownList);
        }
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(domain, out var cached) && cached.Until > now)
        {
            return cached.Result;
        }

        var answer = await dns.MxAsync(domain, cancellationToken);
        ProviderResolution result;
        switch (answer.Status)
        {
            case DnsStatus.Ok:
                var hosts = answer.Records.Select(r => r.Host).ToList();
                result = new ProviderResolution(domain, ProviderClassifier.FromMx(hosts), hosts, ProviderResolution.FromMx);
                break;
            case DnsStatus.NoRecords:
                // No MX: mail goes to the domain's own address (RFC 5321 implicit MX).
                result = new ProviderResolution(domain, MailboxProviderCatalog.Other, [], ProviderResolution.FromMx);
                break;
            default:
                return new ProviderResolution(domain, ProviderClassifier.Unknown, [], ProviderResolution.FromNothing);
        }
        var ttl = answer.Ttl < MaxCache ? answer.Ttl : MaxCache;
        _cache[domain] = (result, now + ttl);
        return result;
    }

    public static ProviderResolution FromGivenMx(string domain, IReadOnlyList<string> mxHosts) =>
        new(domain.Trim().TrimEnd('.').ToLowerInvariant(), ProviderClassifier.FromMx(mxHosts), mxHosts, ProviderResolution.FromMx);
}
