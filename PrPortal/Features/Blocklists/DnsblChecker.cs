using System.Net;
using System.Net.Sockets;
using PrPortal.Data.Entities;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.Blocklists;

/// <summary>A zone as the checker reads it: the query domain and what its answer codes mean.</summary>
public sealed record ZoneRule(int Id, string Name, string QueryDomain, IReadOnlyDictionary<string, string> ListingCodes, IReadOnlySet<string> ErrorCodes)
{
    public static ZoneRule From(BlocklistZone zone) => new(zone.Id, zone.Name, zone.QueryDomain.Trim().TrimEnd('.').ToLowerInvariant(),
        ParseCodes(zone.ListingCodes), ParseCodes(zone.ErrorCodes).Keys.ToHashSet());

    /// <summary>"127.0.0.2=SBL;127.0.0.3=CSS" (or one code a line) into code → meaning.</summary>
    public static Dictionary<string, string> ParseCodes(string? text)
    {
        var codes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in (text ?? "").Split([';', ',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (code, meaning) = item.IndexOf('=') is var eq and > 0 ? (item[..eq].Trim(), item[(eq + 1)..].Trim()) : (item, "");
            if (!IPAddress.TryParse(code, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new FormatException($"'{code}' is not an IPv4 answer code.");
            }
            codes[ip.ToString()] = meaning;
        }
        return codes;
    }

    /// <summary>What one answer code means here: a listing, or an error (reserved error codes, codes outside the listing set).</summary>
    public bool IsListing(string code) =>
        !ErrorCodes.Contains(code) && (ListingCodes.Count > 0 ? ListingCodes.ContainsKey(code) : code.StartsWith("127.0.0.", StringComparison.Ordinal) && code != "127.0.0.1");
}

public sealed record ZoneCheck(string Ip, ZoneRule Zone, BlocklistStatus Status, IReadOnlyList<string> Codes, string? Reason);

/// <summary>
/// Asks DNS blocklists about sending IPs: every IP × zone concurrently with a bound, after checking
/// each zone's RFC 5782 test points (127.0.0.2 listed, 127.0.0.1 not). A zone failing them, a timeout,
/// SERVFAIL or an error code gives "unknown", never "clean" or "listed".
/// </summary>
public sealed class DnsblChecker(IDnsResolver dns, int maxConcurrency = 32)
{
    public async Task<IReadOnlyList<ZoneCheck>> CheckAsync(IReadOnlyList<string> ips, IReadOnlyList<ZoneRule> zones, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(maxConcurrency);
        async Task<T> Bounded<T>(Func<Task<T>> work)
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await work();
            }
            finally
            {
                gate.Release();
            }
        }

        // Test points and IP queries go out together (a timeout costs once, not twice); a zone that
        // fails its test points then has every answer of its replaced by "unknown".
        var trust = zones.Select(z => Bounded(() => TestPointsAsync(z, cancellationToken))).ToList();
        var checks = zones.SelectMany(zone => ips.Select(ip => Bounded(() => QueryAsync(ip, zone, cancellationToken)))).ToList();
        var problems = await Task.WhenAll(trust);
        var results = await Task.WhenAll(checks);
        var byZone = zones.Select((z, i) => (z.Id, Problem: problems[i])).ToDictionary(x => x.Id, x => x.Problem);
        return results.Select(c => byZone[c.Zone.Id] is { } problem ? new ZoneCheck(c.Ip, c.Zone, BlocklistStatus.Unknown, [], problem) : c).ToList();
    }

    /// <summary>Null when the zone answers its test points as RFC 5782 says; otherwise why it cannot be trusted.</summary>
    public async Task<string?> TestPointsAsync(ZoneRule zone, CancellationToken cancellationToken)
    {
        var listed = await dns.AddressesAsync(QueryName("127.0.0.2", zone.QueryDomain), cancellationToken);
        if (listed.Status == DnsStatus.Failed)
        {
            return $"test point 127.0.0.2 not answered: {listed.Error}";
        }
        if (!listed.Records.Any(r => zone.IsListing(r.ToString())))
        {
            return "test point 127.0.0.2 is not listed: the zone does not answer as a blocklist";
        }
        var clean = await dns.AddressesAsync(QueryName("127.0.0.1", zone.QueryDomain), cancellationToken);
        if (clean.Status == DnsStatus.Failed)
        {
            return $"test point 127.0.0.1 not answered: {clean.Error}";
        }
        return clean.Status == DnsStatus.Ok
            ? $"test point 127.0.0.1 is listed ({string.Join(", ", clean.Records)}): the zone lists everything"
            : null;
    }

    private async Task<ZoneCheck> QueryAsync(string ip, ZoneRule zone, CancellationToken cancellationToken)
    {
        var name = QueryName(ip, zone.QueryDomain);
        var answer = await dns.AddressesAsync(name, cancellationToken);
        switch (answer.Status)
        {
            case DnsStatus.NxDomain or DnsStatus.NoRecords:
                return new ZoneCheck(ip, zone, BlocklistStatus.Clean, [], null);
            case DnsStatus.Failed:
                return new ZoneCheck(ip, zone, BlocklistStatus.Unknown, [], answer.Error);
        }
        var codes = answer.Records.Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();
        var errors = codes.Where(c => !zone.IsListing(c)).ToList();
        if (errors.Count > 0)
        {
            return new ZoneCheck(ip, zone, BlocklistStatus.Unknown, codes, $"error answer {string.Join(", ", errors)} (refused or over quota)");
        }
        var txt = await dns.TxtAsync(name, cancellationToken);
        var meaning = string.Join(", ", codes.Select(c => zone.ListingCodes.GetValueOrDefault(c)).Where(m => !string.IsNullOrEmpty(m)).Distinct());
        var reason = txt.Status == DnsStatus.Ok ? string.Join(" ", txt.Records) : null;
        return new ZoneCheck(ip, zone, BlocklistStatus.Listed, codes,
            meaning.Length > 0 && reason is not null ? $"{meaning}: {reason}" : meaning.Length > 0 ? meaning : reason);
    }

    /// <summary>The DNSBL name of an IP: reversed octets for IPv4, reversed nibbles for IPv6, then the zone.</summary>
    public static string QueryName(string ip, string zone)
    {
        var address = IPAddress.Parse(ip);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var nibbles = Convert.ToHexString(address.GetAddressBytes()).ToLowerInvariant();
            return string.Join('.', nibbles.Reverse()) + "." + zone;
        }
        return string.Join('.', address.GetAddressBytes().Reverse()) + "." + zone;
    }
}
