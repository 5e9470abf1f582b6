using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace PrPortal.Features.SenderAuth;

public enum SpfQualifier { Pass, Fail, SoftFail, Neutral }

public enum SpfMechanismKind { All, Include, A, Mx, Ptr, Ip4, Ip6, Exists }

/// <summary>One directive of a record: qualifier, mechanism, its domain-spec (macro text) or network, and CIDR lengths.</summary>
public sealed record SpfMechanism(
    SpfQualifier Qualifier, SpfMechanismKind Kind, string Text, string? DomainSpec, IPAddress? Network, int Cidr4, int Cidr6);

/// <summary>A record that parsed: its directives in order, and the redirect and exp modifiers if present.</summary>
public sealed record SpfRecord(string Text, IReadOnlyList<SpfMechanism> Mechanisms, string? Redirect, string? Exp)
{
    public bool HasAll => Mechanisms.Any(m => m.Kind == SpfMechanismKind.All);
}

/// <summary>A record that broke the RFC 7208 grammar; the message names the term and what is wrong with it.</summary>
public sealed class SpfSyntaxException(string message) : Exception(message);

/// <summary>Parses an SPF record (RFC 7208 §4.6, §5, §6, §7.1). Any syntax error anywhere makes the whole record a permerror.</summary>
public static partial class SpfRecordParser
{
    /// <summary>A TXT record is an SPF record when it is "v=spf1" alone or followed by a space (§4.5).</summary>
    public static bool IsSpf(string txt) =>
        txt.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (txt.Length == 6 || txt[6] == ' ');

    public static SpfRecord Parse(string text)
    {
        if (!IsSpf(text))
        {
            throw new SpfSyntaxException("the record does not start with 'v=spf1'");
        }
        var bad = text.FirstOrDefault(c => c is < ' ' or > '~');
        if (bad != default)
        {
            throw new SpfSyntaxException($"the record holds the character U+{(int)bad:X4}; SPF records are printable 7-bit ASCII");
        }
        var mechanisms = new List<SpfMechanism>();
        string? redirect = null, exp = null;
        foreach (var term in text[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var modifier = ModifierPattern().Match(term);
            if (modifier.Success)
            {
                var name = modifier.Groups[1].Value.ToLowerInvariant();
                var value = modifier.Groups[2].Value;
                switch (name)
                {
                    case "redirect":
                        if (redirect is not null) throw new SpfSyntaxException("'redirect=' appears twice");
                        redirect = DomainSpec(value, term);
                        break;
                    case "exp":
                        if (exp is not null) throw new SpfSyntaxException("'exp=' appears twice");
                        exp = DomainSpec(value, term);
                        break;
                    default:
                        // Unknown modifiers are ignored, but must still be a valid macro-string.
                        SpfMacro.Validate(value, term, allowExpOnly: false);
                        break;
                }
                continue;
            }
            mechanisms.Add(Mechanism(term));
        }
        return new SpfRecord(text, mechanisms, redirect, exp);
    }

    private static SpfMechanism Mechanism(string term)
    {
        var qualifier = term[0] switch
        {
            '+' => SpfQualifier.Pass,
            '-' => SpfQualifier.Fail,
            '~' => SpfQualifier.SoftFail,
            '?' => SpfQualifier.Neutral,
            _ => (SpfQualifier?)null,
        };
        var body = qualifier is null ? term : term[1..];
        var nameLength = body.IndexOfAny([':', '/']) is var i and >= 0 ? i : body.Length;
        var name = body[..nameLength].ToLowerInvariant();
        var rest = body[nameLength..];
        var q = qualifier ?? SpfQualifier.Pass;
        switch (name)
        {
            case "all":
                if (rest.Length > 0) throw new SpfSyntaxException($"'{term}': 'all' takes no argument");
                return new SpfMechanism(q, SpfMechanismKind.All, term, null, null, 32, 128);
            case "include":
            case "exists":
                if (!rest.StartsWith(':')) throw new SpfSyntaxException($"'{term}': '{name}' needs ':domain'");
                return new SpfMechanism(q, name == "include" ? SpfMechanismKind.Include : SpfMechanismKind.Exists, term,
                    DomainSpec(rest[1..], term), null, 32, 128);
            case "a":
            case "mx":
            {
                var (spec, cidr4, cidr6) = DualCidr(rest, term);
                string? domain = null;
                if (spec.Length > 0)
                {
                    if (!spec.StartsWith(':')) throw new SpfSyntaxException($"'{term}' is not a valid '{name}' mechanism");
                    domain = DomainSpec(spec[1..], term);
                }
                return new SpfMechanism(q, name == "a" ? SpfMechanismKind.A : SpfMechanismKind.Mx, term, domain, null, cidr4, cidr6);
            }
            case "ptr":
            {
                string? domain = null;
                if (rest.Length > 0)
                {
                    if (!rest.StartsWith(':')) throw new SpfSyntaxException($"'{term}': 'ptr' takes no CIDR length");
                    domain = DomainSpec(rest[1..], term);
                }
                return new SpfMechanism(q, SpfMechanismKind.Ptr, term, domain, null, 32, 128);
            }
            case "ip4":
            {
                if (!rest.StartsWith(':')) throw new SpfSyntaxException($"'{term}': 'ip4' needs ':address'");
                var (address, cidr) = Network(rest[1..], 32, term);
                if (!Ip4Pattern().IsMatch(address) || !IPAddress.TryParse(address, out var network) || network.AddressFamily != AddressFamily.InterNetwork)
                {
                    throw new SpfSyntaxException($"'{term}': '{address}' is not an IPv4 address");
                }
                return new SpfMechanism(q, SpfMechanismKind.Ip4, term, null, network, cidr, 128);
            }
            case "ip6":
            {
                if (!rest.StartsWith(':')) throw new SpfSyntaxException($"'{term}': 'ip6' needs ':address'");
                var (address, cidr) = Network(rest[1..], 128, term);
                if (!address.Contains(':') || !IPAddress.TryParse(address, out var network) || network.AddressFamily != AddressFamily.InterNetworkV6
                    || address.Contains('%'))
                {
                    throw new SpfSyntaxException($"'{term}': '{address}' is not an IPv6 address");
                }
                return new SpfMechanism(q, SpfMechanismKind.Ip6, term, null, network, 32, cidr);
            }
            default:
                throw new SpfSyntaxException($"'{term}' is not a known mechanism");
        }
    }

    private static (string Address, int Cidr) Network(string text, int max, string term)
    {
        var slash = text.IndexOf('/');
        if (slash < 0)
        {
            return (text, max);
        }
        return (text[..slash], CidrLength(text[(slash + 1)..], max, term));
    }

    /// <summary>Splits "[:domain][/n][//m]" into its domain part and CIDR lengths.</summary>
    private static (string Spec, int Cidr4, int Cidr6) DualCidr(string rest, string term)
    {
        var match = DualCidrPattern().Match(rest);
        var cidr4 = match.Groups[2].Success ? CidrLength(match.Groups[2].Value, 32, term) : 32;
        var cidr6 = match.Groups[4].Success ? CidrLength(match.Groups[4].Value, 128, term) : 128;
        return (rest[..match.Index], cidr4, cidr6);
    }

    private static int CidrLength(string digits, int max, string term)
    {
        if (!CidrPattern().IsMatch(digits) || !int.TryParse(digits, out var length) || length > max)
        {
            throw new SpfSyntaxException($"'{term}': '/{digits}' is not a CIDR length from 0 to {max}");
        }
        return length;
    }

    /// <summary>
    /// domain-spec = macro-string domain-end; domain-end is "." toplabel ["."] or a macro (§7.1).
    /// </summary>
    private static string DomainSpec(string spec, string term)
    {
        if (spec.Length == 0)
        {
            throw new SpfSyntaxException($"'{term}': the domain is empty");
        }
        var endsInMacro = SpfMacro.Validate(spec, term, allowExpOnly: false);
        if (!endsInMacro && !DomainEndPattern().IsMatch(spec))
        {
            throw new SpfSyntaxException($"'{term}': '{spec}' does not end in a top-level label");
        }
        return spec;
    }

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9\-_.]*)=(.*)$")]
    private static partial Regex ModifierPattern();

    [GeneratedRegex(@"(/([0-9]+))?(//([0-9]+))?$")]
    private static partial Regex DualCidrPattern();

    [GeneratedRegex(@"^(0|[1-9][0-9]{0,2})$")]
    private static partial Regex CidrPattern();

    [GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$")]
    private static partial Regex Ip4Pattern();

    [GeneratedRegex(@"\.([A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])\.?$")]
    private static partial Regex DomainEndPattern();
}
