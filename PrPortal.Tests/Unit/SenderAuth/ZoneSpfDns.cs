using System.Net;
using PrPortal.Features.SenderAuth;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Tests.Unit.SenderAuth;

/// <summary>
/// The RFC 7208 suite's zone data as DNS, following the suite's driver conventions: a name not in the
/// zone is NXDOMAIN; SPF-type records are also served as TXT unless the name has TXT records of its
/// own; "TIMEOUT" times out every query of a type with no record before it; NONE is an empty answer;
/// CNAMEs are followed as a resolver would.
/// </summary>
public sealed class ZoneSpfDns(IReadOnlyDictionary<string, IReadOnlyList<ZoneSpfDns.Entry>> zone) : ISpfDns
{
    public sealed record Entry(string Type, object? Value);

    public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Query(name, "TXT", v => v switch
        {
            IEnumerable<object> strings => string.Concat(strings.Select(s => s?.ToString())),
            _ => v?.ToString() ?? "",
        }));

    public Task<DnsAnswer<IPAddress>> AAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Query(name, "A", v => IPAddress.Parse(v!.ToString()!)));

    public Task<DnsAnswer<IPAddress>> AaaaAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Query(name, "AAAA", v => IPAddress.Parse(v!.ToString()!)));

    public Task<DnsAnswer<MxHost>> MxAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Query(name, "MX", v =>
        {
            var pair = ((IEnumerable<object>)v!).Select(o => o.ToString()!).ToList();
            return new MxHost(pair[1].TrimEnd('.'), int.Parse(pair[0]));
        }));

    public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var name = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? string.Join('.', SpfMacro.DottedIp(address).Split('.').Reverse()) + ".ip6.arpa"
            : string.Join('.', address.GetAddressBytes().Reverse()) + ".in-addr.arpa";
        return Task.FromResult(Query(name, "PTR", v => v!.ToString()!.TrimEnd('.')));
    }

    private DnsAnswer<T> Query<T>(string name, string type, Func<object?, T> read, int depth = 0)
    {
        name = name.TrimEnd('.').ToLowerInvariant();
        if (name.Split('.').Any(l => l.Length > 63))
        {
            return DnsAnswer<T>.Failure($"{name}: label too long");
        }
        if (!zone.TryGetValue(name, out var entries))
        {
            return new DnsAnswer<T>(DnsStatus.NxDomain, [], TimeSpan.Zero);
        }
        var records = new List<T>();
        var seen = false;
        foreach (var entry in Served(entries, type))
        {
            if (entry.Type == "TIMEOUT")
            {
                if (!seen)
                {
                    return DnsAnswer<T>.Failure($"{type} {name}: timeout");
                }
                break;
            }
            if (entry.Type == "CNAME" && type != "CNAME" && records.Count == 0)
            {
                return depth > 8
                    ? DnsAnswer<T>.Failure($"{name}: CNAME loop")
                    : Query(entry.Value!.ToString()!, type, read, depth + 1);
            }
            if (entry.Type != type)
            {
                continue;
            }
            if (entry.Value is string s && s == "NONE")
            {
                continue;
            }
            seen = true;
            records.Add(read(entry.Value));
        }
        return records.Count == 0
            ? new DnsAnswer<T>(DnsStatus.NoRecords, [], TimeSpan.Zero)
            : new DnsAnswer<T>(DnsStatus.Ok, records, TimeSpan.Zero);
    }

    /// <summary>SPF-type records are served as TXT where the name has no TXT records of its own.</summary>
    private static IEnumerable<Entry> Served(IReadOnlyList<Entry> entries, string type)
    {
        var hasTxt = entries.Any(e => e.Type == "TXT");
        foreach (var entry in entries)
        {
            if (type == "TXT" && entry.Type == "SPF" && !hasTxt)
            {
                yield return entry with { Type = "TXT" };
            }
            else
            {
                yield return entry;
            }
        }
    }
}
