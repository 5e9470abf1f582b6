using System.Net;
using System.Net.Sockets;
using PrPortal.Infrastructure.Dns;

namespace PrPortal.Features.SenderAuth;

/// <summary>The seven results of RFC 7208 §2.6.</summary>
public enum SpfResult { None, Neutral, Pass, Fail, SoftFail, TempError, PermError }

/// <summary>
/// One check_host() answer: the result, why (readable, naming the record and term), the record found
/// at the checked domain, the explanation from exp= on a fail, and the DNS lookups it took.
/// </summary>
public sealed record SpfOutcome(SpfResult Result, string Reason, string? Record, string? Explanation, int Lookups, int VoidLookups);

/// <summary>
/// RFC 7208 check_host(): every mechanism and modifier, macros, the limit of 10 lookups that cost DNS
/// (include, a, mx, ptr, exists, redirect), of 10 names per mx / ptr, and of 2 void lookups. Pure: all
/// DNS goes through <see cref="ISpfDns"/>.
/// </summary>
public sealed class SpfEvaluator(ISpfDns dns, TimeProvider clock, string receivingHost = "unknown")
{
    public const int MaxLookups = 10;
    public const int MaxVoidLookups = 2;
    public const int MaxNames = 10;

    public static string ResultName(SpfResult result) => result.ToString().ToLowerInvariant();

    /// <summary>Checks the MAIL FROM identity (or "postmaster@helo" when the reverse path is empty) for a connecting IP.</summary>
    public async Task<SpfOutcome> CheckAsync(IPAddress ip, string mailFrom, string helo, CancellationToken cancellationToken)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        var sender = string.IsNullOrEmpty(mailFrom) ? "postmaster@" + helo : mailFrom;
        var at = sender.LastIndexOf('@');
        var local = at > 0 ? sender[..at] : "postmaster";
        var domain = at >= 0 ? sender[(at + 1)..] : sender;
        sender = local + "@" + domain;
        var run = new Run(dns, clock, receivingHost, ip, sender, local, domain, helo, cancellationToken);
        try
        {
            var (result, reason, record, explanation) = await run.CheckHostAsync(domain, depth: 0);
            return new SpfOutcome(result, reason, record, explanation, run.Lookups, run.VoidLookups);
        }
        catch (SpfStop stop)
        {
            return new SpfOutcome(stop.Result, stop.Message, run.TopRecord, null, run.Lookups, run.VoidLookups);
        }
    }

    /// <summary>Ends the whole evaluation with a temperror or permerror.</summary>
    private sealed class SpfStop(SpfResult result, string message) : Exception(message)
    {
        public SpfResult Result { get; } = result;
    }

    private sealed class Run(ISpfDns dns, TimeProvider clock, string receivingHost, IPAddress ip, string sender, string local,
        string senderDomain, string helo, CancellationToken cancellationToken)
    {
        public int Lookups { get; private set; }
        public int VoidLookups { get; private set; }
        public string? TopRecord { get; private set; }
        private bool IsV6 => ip.AddressFamily == AddressFamily.InterNetworkV6;

        public async Task<(SpfResult Result, string Reason, string? Record, string? Explanation)> CheckHostAsync(string domain, int depth)
        {
            domain = domain.TrimEnd('.');
            if (!IsValidDomain(domain))
            {
                return (SpfResult.None, $"'{domain}' is not a valid domain name", null, null);
            }
            var txt = await dns.TxtAsync(domain, cancellationToken);
            if (txt.Status == DnsStatus.Failed)
            {
                throw new SpfStop(SpfResult.TempError, $"DNS lookup of TXT {domain} failed: {txt.Error ?? "no answer"}");
            }
            var records = txt.Records.Where(SpfRecordParser.IsSpf).ToList();
            if (txt.Status == DnsStatus.NxDomain)
            {
                return (SpfResult.None, $"{domain} does not exist", null, null);
            }
            if (records.Count == 0)
            {
                return (SpfResult.None, $"{domain} publishes no SPF record", null, null);
            }
            if (depth == 0)
            {
                TopRecord = string.Join(" | ", records);
            }
            if (records.Count > 1)
            {
                throw new SpfStop(SpfResult.PermError, $"{domain} publishes {records.Count} SPF records; exactly one is allowed");
            }
            SpfRecord record;
            try
            {
                record = SpfRecordParser.Parse(records[0]);
            }
            catch (SpfSyntaxException e)
            {
                throw new SpfStop(SpfResult.PermError, $"syntax error in the SPF record of {domain}: {e.Message}");
            }

            foreach (var mechanism in record.Mechanisms)
            {
                if (await MatchesAsync(mechanism, domain, depth))
                {
                    var result = mechanism.Qualifier switch
                    {
                        SpfQualifier.Fail => SpfResult.Fail,
                        SpfQualifier.SoftFail => SpfResult.SoftFail,
                        SpfQualifier.Neutral => SpfResult.Neutral,
                        _ => SpfResult.Pass,
                    };
                    var explanation = result == SpfResult.Fail && record.Exp is not null ? await ExplainAsync(record.Exp, domain) : null;
                    return (result, $"'{mechanism.Text}' in the record of {domain} matched {ip}", records[0], explanation);
                }
            }

            if (record.Redirect is not null && !record.HasAll)
            {
                Count("redirect=" + record.Redirect);
                var target = await TargetAsync(record.Redirect, domain);
                if (!IsValidDomain(target))
                {
                    throw new SpfStop(SpfResult.PermError, $"redirect target '{target}' of {domain} is not a valid domain");
                }
                var (result, reason, _, explanation) = await CheckHostAsync(target, depth + 1);
                if (result == SpfResult.None)
                {
                    throw new SpfStop(SpfResult.PermError, $"redirect from {domain}: {reason}");
                }
                return (result, $"redirect from {domain}: {reason}", records[0], explanation);
            }
            return (SpfResult.Neutral, $"nothing in the record of {domain} matched {ip}", records[0], null);
        }

        private async Task<bool> MatchesAsync(SpfMechanism mechanism, string domain, int depth)
        {
            switch (mechanism.Kind)
            {
                case SpfMechanismKind.All:
                    return true;
                case SpfMechanismKind.Ip4:
                case SpfMechanismKind.Ip6:
                    return InNetwork(ip, mechanism.Network!, mechanism.Kind == SpfMechanismKind.Ip4 ? mechanism.Cidr4 : mechanism.Cidr6);
                case SpfMechanismKind.Include:
                {
                    Count(mechanism.Text);
                    var target = await TargetAsync(mechanism.DomainSpec!, domain);
                    var (result, reason, _, _) = await CheckHostAsync(target, depth + 1);
                    return result switch
                    {
                        SpfResult.Pass => true,
                        SpfResult.Fail or SpfResult.SoftFail or SpfResult.Neutral => false,
                        SpfResult.TempError => throw new SpfStop(SpfResult.TempError, $"'{mechanism.Text}': {reason}"),
                        _ => throw new SpfStop(SpfResult.PermError, $"'{mechanism.Text}' in the record of {domain}: {reason}"),
                    };
                }
                case SpfMechanismKind.A:
                {
                    Count(mechanism.Text);
                    var target = mechanism.DomainSpec is null ? domain : await TargetAsync(mechanism.DomainSpec, domain);
                    var addresses = await AddressesAsync(target, mechanism.Text, countVoid: true);
                    return addresses.Any(a => InNetwork(ip, a, IsV6 ? mechanism.Cidr6 : mechanism.Cidr4));
                }
                case SpfMechanismKind.Mx:
                {
                    Count(mechanism.Text);
                    var target = mechanism.DomainSpec is null ? domain : await TargetAsync(mechanism.DomainSpec, domain);
                    var mx = IsQueryable(target) ? await dns.MxAsync(target, cancellationToken) : new DnsAnswer<MxHost>(DnsStatus.NxDomain, [], TimeSpan.Zero);
                    if (mx.Status == DnsStatus.Failed)
                    {
                        throw new SpfStop(SpfResult.TempError, $"'{mechanism.Text}': DNS lookup of MX {target} failed: {mx.Error}");
                    }
                    if (mx.Records.Count == 0)
                    {
                        Void(mechanism.Text);
                        return false;
                    }
                    if (mx.Records.Count > MaxNames)
                    {
                        throw new SpfStop(SpfResult.PermError, $"'{mechanism.Text}': {target} has {mx.Records.Count} MX records; at most {MaxNames} may be looked up");
                    }
                    foreach (var host in mx.Records)
                    {
                        var addresses = await AddressesAsync(host.Host, mechanism.Text, countVoid: false);
                        if (addresses.Any(a => InNetwork(ip, a, IsV6 ? mechanism.Cidr6 : mechanism.Cidr4)))
                        {
                            return true;
                        }
                    }
                    return false;
                }
                case SpfMechanismKind.Ptr:
                {
                    Count(mechanism.Text);
                    var target = mechanism.DomainSpec is null ? domain : await TargetAsync(mechanism.DomainSpec, domain);
                    var names = await ValidatedNamesAsync(countVoid: true);
                    return names.Any(n => IsSameOrSubdomain(n, target));
                }
                case SpfMechanismKind.Exists:
                {
                    Count(mechanism.Text);
                    var target = await TargetAsync(mechanism.DomainSpec!, domain);
                    var answer = IsQueryable(target) ? await dns.AAsync(target, cancellationToken) : new DnsAnswer<IPAddress>(DnsStatus.NxDomain, [], TimeSpan.Zero);
                    if (answer.Status == DnsStatus.Failed)
                    {
                        throw new SpfStop(SpfResult.TempError, $"'{mechanism.Text}': DNS lookup of A {target} failed: {answer.Error}");
                    }
                    if (answer.Records.Count == 0)
                    {
                        Void(mechanism.Text);
                        return false;
                    }
                    return true;
                }
                default:
                    throw new InvalidOperationException(mechanism.Kind.ToString());
            }
        }

        private async Task<IReadOnlyList<IPAddress>> AddressesAsync(string name, string term, bool countVoid)
        {
            if (!IsQueryable(name))
            {
                if (countVoid)
                {
                    Void(term);
                }
                return [];
            }
            var answer = IsV6 ? await dns.AaaaAsync(name, cancellationToken) : await dns.AAsync(name, cancellationToken);
            if (answer.Status == DnsStatus.Failed)
            {
                throw new SpfStop(SpfResult.TempError, $"'{term}': DNS lookup of {(IsV6 ? "AAAA" : "A")} {name} failed: {answer.Error}");
            }
            if (answer.Records.Count == 0 && countVoid)
            {
                Void(term);
            }
            return answer.Records;
        }

        /// <summary>The PTR names of the IP whose own addresses include the IP (§5.5); at most 10 names are tried.</summary>
        private async Task<List<string>> ValidatedNamesAsync(bool countVoid)
        {
            var ptr = await dns.PtrAsync(ip, cancellationToken);
            if (ptr.Status == DnsStatus.Failed)
            {
                return [];
            }
            if (ptr.Records.Count == 0)
            {
                if (countVoid)
                {
                    Void("ptr");
                }
                return [];
            }
            var validated = new List<string>();
            foreach (var name in ptr.Records.Take(MaxNames))
            {
                var answer = IsV6 ? await dns.AaaaAsync(name, cancellationToken) : await dns.AAsync(name, cancellationToken);
                if (answer.Status == DnsStatus.Ok && answer.Records.Any(a => a.Equals(ip)))
                {
                    validated.Add(name.TrimEnd('.'));
                }
            }
            return validated;
        }

        private async Task<string> ValidatedNameAsync(string domain)
        {
            var names = await ValidatedNamesAsync(countVoid: false);
            return names.FirstOrDefault(n => string.Equals(n, domain, StringComparison.OrdinalIgnoreCase))
                   ?? names.FirstOrDefault(n => IsSameOrSubdomain(n, domain))
                   ?? names.FirstOrDefault()
                   ?? "unknown";
        }

        private async Task<string> TargetAsync(string spec, string domain)
        {
            string expanded;
            try
            {
                expanded = await SpfMacro.ExpandAsync(spec, Values(domain), allowExpOnly: false);
            }
            catch (SpfSyntaxException e)
            {
                throw new SpfStop(SpfResult.PermError, e.Message);
            }
            // Syntax is checked before expansion only (§7.1); a name that cannot exist is looked up as nothing.
            return Truncate(expanded);
        }

        /// <summary>The exp= text for a fail (§6.2); any problem with it leaves the default explanation.</summary>
        private async Task<string?> ExplainAsync(string spec, string domain)
        {
            try
            {
                var target = Truncate(await SpfMacro.ExpandAsync(spec, Values(domain), allowExpOnly: false));
                if (!IsValidDomain(target))
                {
                    return null;
                }
                var txt = await dns.TxtAsync(target, cancellationToken);
                if (txt.Status != DnsStatus.Ok || txt.Records.Count != 1)
                {
                    return null;
                }
                var text = txt.Records[0];
                if (text.Any(c => c > '~'))
                {
                    return null;
                }
                return await SpfMacro.ExpandAsync(text, Values(domain), allowExpOnly: true);
            }
            catch (SpfSyntaxException)
            {
                return null;
            }
        }

        private SpfMacroValues Values(string domain) =>
            new(sender, local, senderDomain, domain, ip, helo, receivingHost, clock.GetUtcNow(), () => ValidatedNameAsync(domain));

        private void Count(string term)
        {
            Lookups++;
            if (Lookups > MaxLookups)
            {
                throw new SpfStop(SpfResult.PermError, $"more than {MaxLookups} DNS lookups (at '{term}')");
            }
        }

        private void Void(string term)
        {
            VoidLookups++;
            if (VoidLookups > MaxVoidLookups)
            {
                throw new SpfStop(SpfResult.PermError, $"more than {MaxVoidLookups} lookups found nothing (at '{term}')");
            }
        }
    }

    /// <summary>A name longer than 253 characters loses labels from the left until it fits (§4.8).</summary>
    private static string Truncate(string name)
    {
        name = name.TrimEnd('.');
        while (name.Length > 253 && name.IndexOf('.') is var dot and >= 0)
        {
            name = name[(dot + 1)..];
        }
        return name;
    }

    /// <summary>A multi-label name of labels 1–63 characters long, no literal, at most 253 characters (§4.3).</summary>
    public static bool IsValidDomain(string domain)
    {
        if (domain.Length is 0 or > 253 || domain.StartsWith('['))
        {
            return false;
        }
        var labels = domain.Split('.');
        return labels.Length >= 2 && labels.All(l => l.Length is > 0 and <= 63);
    }

    /// <summary>A name DNS can be asked about: labels of 1–63 characters.</summary>
    private static bool IsQueryable(string name) =>
        name.Length is > 0 and <= 253 && name.Split('.').All(l => l.Length is > 0 and <= 63);

    public static bool IsSameOrSubdomain(string name, string domain)
    {
        name = name.TrimEnd('.');
        domain = domain.TrimEnd('.');
        return string.Equals(name, domain, StringComparison.OrdinalIgnoreCase)
               || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
    }

    public static bool InNetwork(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        for (var i = 0; i < a.Length && prefix > 0; i++, prefix -= 8)
        {
            var mask = prefix >= 8 ? 0xFF : (byte)(0xFF << (8 - prefix));
            if ((a[i] & mask) != (n[i] & mask))
            {
                return false;
            }
        }
        return true;
    }
}
