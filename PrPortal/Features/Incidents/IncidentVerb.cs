using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Hosting;

namespace PrPortal.Features.Incidents;

/// <summary>`incident list [--open] [--class live|drill|test]`: one object per line, newest first.</summary>
public static class IncidentVerb
{
    private const string Usage = "Usage: incident list [--open] [--class live|drill|test]";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] != "list")
        {
            throw new OpsVerbs.VerbUsageException(Usage);
        }
        var openOnly = false;
        IncidentClass? only = null;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--open":
                    openOnly = true;
                    break;
                case "--class" when i + 1 < args.Length && Enum.TryParse<IncidentClass>(args[i + 1], ignoreCase: true, out var c)
                    && args[i + 1].All(char.IsLetter):
                    only = c;
                    i++;
                    break;
                default:
                    throw new OpsVerbs.VerbUsageException($"unknown option or bad value '{args[i]}'. {Usage}");
            }
        }
        await using var db = await services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(cancellationToken);
        var query = db.Incidents.AsNoTracking().Include(x => x.Cells).AsQueryable();
        if (openOnly)
        {
            query = query.Where(x => x.Status == IncidentStatus.Open);
        }
        if (only is { } wanted)
        {
            query = query.Where(x => x.Class == wanted);
        }
        foreach (var incident in await query.OrderByDescending(x => x.OpenedAtUtc).ThenByDescending(x => x.Id).ToListAsync(cancellationToken))
        {
            OpsVerbs.Print(new
            {
                id = incident.Id,
                state = incident.Status.ToString().ToLowerInvariant(),
                @class = incident.Class.ToString().ToLowerInvariant(),
                providers = incident.Cells.Select(x => x.ProviderId).Where(p => p != "*").Distinct().Order(StringComparer.Ordinal).ToList(),
                ips = incident.Cells.Select(x => x.SourceIp).Where(p => p != "*").Distinct().OrderBy(SortKey).ToList(),
                opened_at = Iso(incident.OpenedAtUtc),
                resolved_at = incident.ResolvedAtUtc is { } at ? Iso(at) : null,
            });
        }
        return 0;
    }

    private static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    private static string SortKey(string ip) =>
        System.Net.IPAddress.TryParse(ip, out var address) ? Convert.ToHexString(address.GetAddressBytes()) : ip;
}
