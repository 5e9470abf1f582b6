using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace PrPortal.Sandbox.Dns;

public enum DnsFault
{
    /// <summary>The server never answers: the client times out.</summary>
    Timeout,
    /// <summary>The server answers SERVFAIL.</summary>
    ServFail,
}

/// <summary>
/// The sandbox's DNS data, changeable while the server runs: host records (MX, A, TXT), blocklist
/// zones keyed by reversed IP (DNSBL) or by domain (URI blocklists), and injected faults.
/// </summary>
public sealed class SandboxZones
{
    private readonly ConcurrentDictionary<string, List<(int Preference, string Host)>> _mx = new();
    private readonly ConcurrentDictionary<string, List<IPAddress>> _a = new();
    private readonly ConcurrentDictionary<string, List<string>> _txt = new();
    private readonly ConcurrentDictionary<string, BlocklistZone> _blocklists = new();
    private readonly ConcurrentDictionary<string, DnsFault> _faults = new();

    public sealed class BlocklistZone
    {
        public ConcurrentDictionary<string, (IPAddress Code, string? Reason)> Entries { get; } = new();
        /// <summary>A dead zone with a wildcard answers this for every name.</summary>
        public IPAddress? Wildcard { get; set; }
    }

    public void AddMx(string domain, string host, int preference = 10) =>
        _mx.AddOrUpdate(Key(domain), _ => [(preference, Key(host))], (_, list) => [.. list, (preference, Key(host))]);

    public void SetMx(string domain, params (string Host, int Preference)[] hosts) =>
        _mx[Key(domain)] = hosts.Select(h => (h.Preference, Key(h.Host))).ToList();

    public void RemoveMx(string domain) => _mx.TryRemove(Key(domain), out _);

    public void SetA(string host, params IPAddress[] addresses) => _a[Key(host)] = [.. addresses];

    public void AddTxt(string name, string text) =>
        _txt.AddOrUpdate(Key(name), _ => [text], (_, list) => [.. list, text]);

    public void SetTxt(string name, params string[] texts) => _txt[Key(name)] = [.. texts];

    /// <summary>Creates a DNSBL zone with its RFC 5782 test points: 127.0.0.2 listed, 127.0.0.1 not.</summary>
    public BlocklistZone AddIpBlocklist(string zone)
    {
        var list = _blocklists.GetOrAdd(Key(zone), _ => new BlocklistZone());
        list.Entries[ReversedIp(IPAddress.Parse("127.0.0.2"))] = (IPAddress.Parse("127.0.0.2"), "RFC 5782 test point");
        return list;
    }

    /// <summary>Creates a URI blocklist zone whose test domain (e.g. dbltest.com) is listed.</summary>
    public BlocklistZone AddDomainBlocklist(string zone, string testDomain, IPAddress testCode)
    {
        var list = _blocklists.GetOrAdd(Key(zone), _ => new BlocklistZone());
        list.Entries[Key(testDomain)] = (testCode, "test point");
        return list;
    }

    /// <summary>The URI blocklists the link check asks (LinkRisk defaults), each with its published test point listed.</summary>
    public void AddUriBlocklists()
    {
        AddDomainBlocklist("dbl.spamhaus.org", "dbltest.com", IPAddress.Parse("127.0.1.2"));
        AddDomainBlocklist("multi.surbl.org", "test.surbl.org", IPAddress.Parse("127.0.0.254"));
        AddDomainBlocklist("multi.uribl.com", "test.uribl.com", IPAddress.Parse("127.0.0.14"));
    }

    public void ListIp(string zone, IPAddress ip, IPAddress code, string? reason = null) =>
        Zone(zone).Entries[ReversedIp(ip)] = (code, reason);

    public void DelistIp(string zone, IPAddress ip) => Zone(zone).Entries.TryRemove(ReversedIp(ip), out _);

    public void ListDomain(string zone, string domain, IPAddress code, string? reason = null) =>
        Zone(zone).Entries[Key(domain)] = (code, reason);

    public void DelistDomain(string zone, string domain) => Zone(zone).Entries.TryRemove(Key(domain), out _);

    public void ListEverything(string zone, IPAddress code) => Zone(zone).Wildcard = code;

    public void SetFault(string name, DnsFault fault) => _faults[Key(name)] = fault;

    public void ClearFault(string name) => _faults.TryRemove(Key(name), out _);

    /// <summary>The fault for a name or any of its parents.</summary>
    public DnsFault? FaultFor(string name)
    {
        for (var n = Key(name); n.Length > 0; n = Parent(n))
        {
            if (_faults.TryGetValue(n, out var fault))
            {
                return fault;
            }
        }
        return null;
    }

    public IReadOnlyList<(int Preference, string Host)> Mx(string name) => _mx.TryGetValue(Key(name), out var l) ? l : [];
    public IReadOnlyList<IPAddress> A(string name) => _a.TryGetValue(Key(name), out var l) ? l : [];
    public IReadOnlyList<string> Txt(string name) => _txt.TryGetValue(Key(name), out var l) ? l : [];

    /// <summary>The blocklist entry for a query name under a blocklist zone; Found is false outside any zone.</summary>
    public (bool InZone, (IPAddress Code, string? Reason)? Entry) Blocklisted(string name)
    {
        var key = Key(name);
        foreach (var (zone, list) in _blocklists)
        {
            if (key.EndsWith("." + zone, StringComparison.Ordinal))
            {
                var label = key[..^(zone.Length + 1)];
                if (list.Entries.TryGetValue(label, out var entry))
                {
                    return (true, entry);
                }
                return (true, list.Wildcard is { } code ? (code, null) : null);
            }
        }
        return (false, null);
    }

    public bool Exists(string name)
    {
        var key = Key(name);
        return _mx.ContainsKey(key) || _a.ContainsKey(key) || _txt.ContainsKey(key);
    }

    public static string ReversedIp(IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var hex = Convert.ToHexString(ip.GetAddressBytes()).ToLowerInvariant();
            return string.Join('.', hex.Reverse());
        }
        return string.Join('.', ip.GetAddressBytes().Reverse());
    }

    private BlocklistZone Zone(string zone) =>
        _blocklists.TryGetValue(Key(zone), out var list) ? list : throw new ArgumentException($"No blocklist zone '{zone}' in the sandbox.");

    private static string Key(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();

    private static string Parent(string name) => name.IndexOf('.') is var i and >= 0 ? name[(i + 1)..] : "";
}
