using System.Net;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Blocklists.Snds;

public sealed record SndsIpRow(string Ip, SendingIpRole Role, DateOnly? Day, string? FilterResult, string? ComplaintRate, int TrapHits,
    int Recipients, int RcptCommands, bool Blocked, string? BlockDetails)
{
    /// <summary>Blocked first, then RED, YELLOW, GREEN, and IPs SNDS had no data for last.</summary>
    public int Severity => Blocked ? 0 : FilterResult switch { "RED" => 1, "YELLOW" => 2, "GREEN" => 3, _ => 4 };
}

public sealed record SndsState(bool Configured, SndsImport? LastImport, SndsImport? LastSuccess, IReadOnlyList<SndsIpRow> Rows);

/// <summary>What Microsoft's SNDS last said of each sending IP, and how the imports went.</summary>
public sealed class SndsStatus(IDbContextFactory<PortalDbContext> factory, SndsOptions options)
{
    public async Task<SndsState> StateAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var last = await db.SndsImports.AsNoTracking().OrderByDescending(i => i.Id).FirstOrDefaultAsync(cancellationToken);
        var success = last is { Succeeded: true } ? last
            : await db.SndsImports.AsNoTracking().Where(i => i.Succeeded).OrderByDescending(i => i.Id).FirstOrDefaultAsync(cancellationToken);
        var ips = await db.SendingIps.AsNoTracking().Where(i => i.Enabled).OrderBy(i => i.Role).ThenBy(i => i.Id).ToListAsync(cancellationToken);
        var latestDay = await db.SndsDataRows.MaxAsync(r => (DateOnly?)r.Day, cancellationToken);
        var data = latestDay is null ? [] : await db.SndsDataRows.AsNoTracking().Where(r => r.Day == latestDay).ToListAsync(cancellationToken);
        var byIp = data.ToDictionary(r => r.Ip);
        var ranges = (await db.SndsIpStatusRanges.AsNoTracking().Where(r => r.Blocked).ToListAsync(cancellationToken))
            .Select(r => new SndsStatusRange(IPAddress.Parse(r.FirstIp), IPAddress.Parse(r.LastIp), true, r.Details)).ToList();
        var rows = ips.Select(ip =>
        {
            byIp.TryGetValue(ip.Address, out var d);
            var range = ranges.FirstOrDefault(r => r.Covers(IPAddress.Parse(ip.Address)));
            return new SndsIpRow(ip.Address, ip.Role, d?.Day, d?.FilterResult, d?.ComplaintRate, d?.TrapHits ?? 0, d?.Recipients ?? 0, d?.RcptCommands ?? 0,
                range is not null, range?.Details);
        }).OrderBy(r => r.Severity).ToList();
        return new SndsState(options.Configured, last, success, rows);
    }
}
