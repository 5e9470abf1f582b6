using System.Net;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Hosting;

namespace PrPortal.Features.Blocklists;

/// <summary>
/// `dnsbl-check [--ip IP]... [--zone ZONE]... [--dns HOST:PORT]`: asks the blocklists about sending IPs
/// (all enabled ones by default) and prints one object per IP × zone. Stores nothing.
/// </summary>
public static class DnsblCheckVerb
{
    private const string Usage = "Usage: dnsbl-check [--ip IP]... [--zone ZONE]... [--dns HOST:PORT]";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        var ips = new List<string>();
        var zoneNames = new List<string>();
        string? server = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--ip" when i + 1 < args.Length:
                    var ip = args[++i];
                    if (!IPAddress.TryParse(ip, out _))
                    {
                        throw new OpsVerbs.VerbUsageException($"--ip: '{ip}' is not an IPv4 or IPv6 address.");
                    }
                    ips.Add(ip);
                    break;
                case "--zone" when i + 1 < args.Length:
                    zoneNames.Add(args[++i].Trim().TrimEnd('.').ToLowerInvariant());
                    break;
                case "--dns" when i + 1 < args.Length:
                    server = args[++i];
                    break;
                default:
                    throw new OpsVerbs.VerbUsageException($"unknown option or missing value: '{args[i]}'. {Usage}");
            }
        }

        var service = services.GetRequiredService<BlocklistService>();
        await service.EnsureDefaultZonesAsync(cancellationToken);
        await using var db = await services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(cancellationToken);
        var configured = await db.BlocklistZones.ToListAsync(cancellationToken);
        // A named zone keeps its configured codes; an unknown name is asked with the common meaning (127.0.0.x listed).
        var zones = zoneNames.Count == 0
            ? configured.Where(z => z.Enabled).Select(ZoneRule.From).ToList()
            : zoneNames.Select((name, n) => configured.FirstOrDefault(z => z.QueryDomain.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } known
                ? ZoneRule.From(known)
                : ZoneRule.From(new BlocklistZone { Id = -1 - n, Name = name, QueryDomain = name })).ToList();
        if (ips.Count == 0)
        {
            ips = await db.SendingIps.Where(i => i.Enabled).OrderBy(i => i.Role).ThenBy(i => i.Id).Select(i => i.Address).ToListAsync(cancellationToken);
        }
        if (ips.Count == 0 || zones.Count == 0)
        {
            throw new OpsVerbs.VerbUsageException($"nothing to check: {ips.Count} IPs, {zones.Count} zones. {Usage}");
        }

        Infrastructure.Dns.IDnsResolver resolver;
        try
        {
            resolver = service.Resolver(server);
        }
        catch (FormatException e)
        {
            throw new OpsVerbs.VerbUsageException($"--dns: {e.Message}");
        }
        var checks = await new DnsblChecker(resolver, services.GetRequiredService<BlocklistOptions>().MaxConcurrency).CheckAsync(ips, zones, cancellationToken);
        foreach (var c in checks)
        {
            OpsVerbs.Print(new { ip = c.Ip, zone = c.Zone.QueryDomain, status = c.Status.ToString().ToLowerInvariant(), codes = c.Codes, reason = c.Reason });
        }
        return checks.Any(c => c.Status == BlocklistStatus.Unknown) ? 1 : 0;
    }
}
