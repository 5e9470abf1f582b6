using System.Net;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.LinkRisk;

/// <summary>What one URI blocklist said of one name: a listing (with its level), an error code, or nothing.</summary>
public sealed record UriListing(string Zone, string Name, IPAddress Code, Risk Level, string Meaning, bool IsError);

/// <summary>
/// Reads the answer codes of the URI blocklists. The three lists encode differently: Spamhaus DBL gives one
/// code in 127.0.1.0/24 and reports misuse in 127.255.255.0/24; SURBL and URIBL set bits in the last octet,
/// and URIBL answers 127.0.0.1 when it refuses the querying resolver.
/// </summary>
public static class UriBlocklistCodes
{
    public static UriListing? Read(UriBlocklistZone zone, string name, IPAddress code)
    {
        var b = code.GetAddressBytes();
        if (b.Length != 4 || b[0] != 127)
        {
            return Error(zone, name, code, "not a blocklist answer (outside 127.0.0.0/8)");
        }
        return zone.Kind switch
        {
            UriBlocklistKind.Dbl => Dbl(zone, name, code, b),
            UriBlocklistKind.Surbl => Surbl(zone, name, code, b),
            _ => Uribl(zone, name, code, b),
        };
    }

    private static UriListing Dbl(UriBlocklistZone zone, string name, IPAddress code, byte[] b)
    {
        if (b[1] == 255 && b[2] == 255)
        {
            return Error(zone, name, code, b[3] switch
            {
                252 => "typing error in the query name",
                254 => "queries through a public resolver are refused",
                255 => "too many queries",
                _ => "error",
            });
        }
        if (b[1] != 0 || b[2] != 1 || b[3] == 255 || b[3] < 2)
        {
            return Error(zone, name, code, b[3] == 255 ? "an IP address was queried" : "unknown code");
        }
        var meaning = b[3] switch
        {
            2 => "spam domain",
            4 => "phishing domain",
            5 => "malware domain",
            6 => "botnet C&C domain",
            102 => "abused legitimate spam",
            103 => "abused spammed redirector",
            104 => "abused legitimate phish",
            105 => "abused legitimate malware",
            106 => "abused legitimate botnet C&C",
            _ => "listed",
        };
        return new UriListing(zone.Zone, name, code, Risk.Danger, meaning, false);
    }

    private static readonly (int Bit, string List, Risk Level)[] SurblBits =
        [(4, "DM disposable", Risk.Caution), (8, "PH phishing", Risk.Danger), (16, "MW malware", Risk.Danger),
         (32, "CT click tracker", Risk.Caution), (64, "ABUSE spam", Risk.Danger), (128, "CR cracked site", Risk.Danger)];

    private static readonly (int Bit, string List, Risk Level)[] UriblBits =
        [(2, "black", Risk.Danger), (4, "grey", Risk.Caution), (8, "red", Risk.Caution)];

    private static UriListing Surbl(UriBlocklistZone zone, string name, IPAddress code, byte[] b) => Bitmask(zone, name, code, b[3], SurblBits);

    private static UriListing Uribl(UriBlocklistZone zone, string name, IPAddress code, byte[] b) =>
        (b[3] & 1) != 0
            ? Error(zone, name, code, "query refused (127.0.0.1): this resolver may not query the list")
            : Bitmask(zone, name, code, b[3], UriblBits);

    private static UriListing Bitmask(UriBlocklistZone zone, string name, IPAddress code, int bits, (int Bit, string List, Risk Level)[] table)
    {
        var set = table.Where(t => (bits & t.Bit) != 0).ToList();
        return set.Count == 0
            ? Error(zone, name, code, "no list bit set")
            : new UriListing(zone.Zone, name, code, set.Max(t => t.Level), string.Join(", ", set.Select(t => t.List)), false);
    }

    private static UriListing Error(UriBlocklistZone zone, string name, IPAddress code, string meaning) =>
        new(zone.Zone, name, code, Risk.Caution, meaning, true);
}

/// <summary>Looks names up in the URI blocklists over DNS, each name and zone once per run.</summary>
public sealed class UriBlocklistChecker(IDnsResolver dns, IReadOnlyList<UriBlocklistZone> zones)
{
    private readonly RunCache<IReadOnlyList<UriListing>> _cache = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Listings of a host and its registrable domain. DBL lists host names as well as domains; SURBL and URIBL
    /// list mostly registrable domains, but their test points (test.surbl.org, test.uribl.com) and some
    /// listings are host names, so every list is asked both.
    /// </summary>
    public async Task<IReadOnlyList<UriListing>> CheckAsync(string host, string registrable, CancellationToken cancellationToken)
    {
        var lookups = new List<Task<IReadOnlyList<UriListing>>>();
        foreach (var zone in zones)
        {
            lookups.Add(LookupAsync(zone, registrable, cancellationToken));
            if (!string.Equals(host, registrable, StringComparison.OrdinalIgnoreCase))
            {
                lookups.Add(LookupAsync(zone, host, cancellationToken));
            }
        }
        return (await Task.WhenAll(lookups)).SelectMany(l => l).ToList();
    }

    private Task<IReadOnlyList<UriListing>> LookupAsync(UriBlocklistZone zone, string name, CancellationToken cancellationToken) =>
        _cache.GetOrAdd($"{name}.{zone.Zone}", query => QueryAsync(zone, name, query, cancellationToken));

    private async Task<IReadOnlyList<UriListing>> QueryAsync(UriBlocklistZone zone, string name, string query, CancellationToken cancellationToken)
    {
        var answer = await dns.AddressesAsync(query, cancellationToken);
        return answer.Status switch
        {
            DnsStatus.Ok => answer.Records.Select(code => UriBlocklistCodes.Read(zone, name, code)).OfType<UriListing>().ToList(),
            DnsStatus.Failed => [new UriListing(zone.Zone, name, IPAddress.None, Risk.Caution, $"no answer: {answer.Error}", true)],
            _ => [],
        };
    }
}
