using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PrPortal.Features.LinkRisk;

/// <summary>
/// Which addresses and ports the link follower may connect to. Everything that is not the public internet is
/// refused: loopback, private, link-local (and with it cloud metadata at 169.254.169.254), CGNAT, multicast,
/// documentation and reserved ranges, in IPv4 and IPv6, and IPv4 hidden in IPv6 (mapped, compatible, 6to4,
/// NAT64). Only ranges named in <see cref="LinkRiskOptions.AllowedTestRanges"/> are let through.
/// </summary>
public sealed class AddressPolicy
{
    private static readonly (IPNetwork Network, string Name)[] Refused =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "this network"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "carrier-grade NAT"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local (cloud metadata)"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "6to4 relay"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("100::/64"), "discard"),
        (IPNetwork.Parse("2001::/23"), "IETF protocol assignments"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("fc00::/7"), "unique local (private)"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    private readonly IPNetwork[] _allowed;
    private readonly HashSet<int> _ports;

    public AddressPolicy(LinkRiskOptions options)
    {
        _allowed = options.AllowedTestRanges.Select(ParseRange).ToArray();
        _ports = [80, 443, .. options.AllowedPorts];
    }

    public static IPNetwork ParseRange(string cidr) =>
        IPNetwork.TryParse(cidr.Trim(), out var network) ? network
            : throw new FormatException($"'{cidr}' is not a CIDR range (e.g. 127.0.9.0/24).");

    public bool PortAllowed(int port) => _ports.Contains(port);

    /// <summary>Why this address may not be fetched, or null when it may.</summary>
    public string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (_allowed.Any(n => n.Contains(address)))
        {
            return null;
        }
        if (Embedded(address) is { } inner)
        {
            return Refusal(inner) is { } why ? $"{address} carries {inner}: {why}" : null;
        }
        foreach (var (network, name) in Refused)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return $"{address} is a {name} address ({network})";
            }
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && (address.GetAddressBytes()[0] & 0xe0) != 0x20)
        {
            return $"{address} is outside the global unicast range (2000::/3)";
        }
        return null;
    }

    // IPv4 inside IPv6: compatible (::a.b.c.d), 6to4 (2002:aabb:ccdd::) and NAT64 (64:ff9b::a.b.c.d).
    private static IPAddress? Embedded(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }
        var b = address.GetAddressBytes();
        if (b[..12].All(x => x == 0) && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1))
        {
            return new IPAddress(b[12..16]);
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return new IPAddress(b[2..6]);
        }
        if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].All(x => x == 0))
        {
            return new IPAddress(b[12..16]);
        }
        return null;
    }

    /// <summary>
    /// An IPv4 address written as browsers and inet_aton read it: one to four parts, each decimal, octal
    /// (leading 0) or hex (0x), the last part filling the remaining bytes (127.1, 2130706433, 0x7f.0.0.1,
    /// 0177.0.0.1). Null when the host is a name.
    /// </summary>
    public static IPAddress? ParseLooseIPv4(string host)
    {
        var parts = host.TrimEnd('.').Split('.');
        if (parts.Length is < 1 or > 4 || parts.Any(p => p.Length == 0))
        {
            return null;
        }
        var values = new ulong[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryPart(parts[i].ToLowerInvariant(), out var value))
            {
                return null;
            }
            values[i] = value;
        }
        ulong result = 0;
        for (var i = 0; i < values.Length - 1; i++)
        {
            if (values[i] > 255)
            {
                return null;
            }
            result |= values[i] << (8 * (3 - i));
        }
        var lastBytes = 4 - (values.Length - 1);
        if (values[^1] >= 1UL << (8 * lastBytes))
        {
            return null;
        }
        result |= values[^1];
        return new IPAddress([(byte)(result >> 24), (byte)(result >> 16), (byte)(result >> 8), (byte)result]);
    }

    private static bool TryPart(string part, out ulong value)
    {
        value = 0;
        if (part.StartsWith("0x", StringComparison.Ordinal))
        {
            return part.Length == 2 || (part.Length <= 10 && ulong.TryParse(part[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value));
        }
        if (part.Length > 1 && part[0] == '0')
        {
            if (part.Length > 12 || !part.All(c => c is >= '0' and <= '7'))
            {
                return false;
            }
            value = Convert.ToUInt64(part, 8);
            return true;
        }
        return part.All(char.IsAsciiDigit) && ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= uint.MaxValue;
    }
}
