using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;

namespace PrPortal.Features.Blocklists;

public sealed record ListingRow(long Id, string Ip, SendingIpRole Role, string List, string Kind, string? Codes, string? Reason,
    DateTime FirstSeenUtc, DateTime LastSeenUtc, DateTime? DelistedAtUtc, string? DelistUrl, IReadOnlyList<DelistingRequest> Requests)
{
    public bool Open => DelistedAtUtc is null;
}

public sealed record ZoneState(int Id, string Name, string QueryDomain, bool Enabled, int Listed, int Unknown, int Clean, DateTime? CheckedAtUtc, string? Problem);

/// <summary>Every listing interval per IP and list, the state of each zone, delisting requests, and the CSV export.</summary>
public sealed class BlocklistHistory(IDbContextFactory<PortalDbContext> factory, TimeProvider clock)
{
    public async Task<IReadOnlyList<ListingRow>> ListingsAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var listings = await db.BlocklistListings.AsNoTracking().Include(l => l.SendingIp).Include(l => l.Zone).Include(l => l.Requests)
            .OrderByDescending(l => l.DelistedAtUtc == null).ThenByDescending(l => l.FirstSeenUtc).ToListAsync(cancellationToken);
        return listings.Select(l => new ListingRow(l.Id, l.SendingIp!.Address, l.SendingIp.Role,
            l.Zone?.Name ?? (l.Kind == BlocklistService.DnsblKind ? "?" : "Microsoft SNDS"), l.Kind, l.Codes, l.Reason,
            l.FirstSeenUtc, l.LastSeenUtc, l.DelistedAtUtc, l.Zone?.DelistUrl,
            l.Requests.OrderBy(r => r.RequestedAtUtc).ToList())).ToList();
    }

    public async Task<IReadOnlyList<ZoneState>> ZonesAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var zones = await db.BlocklistZones.AsNoTracking().OrderByDescending(z => z.Weight).ThenBy(z => z.Name).ToListAsync(cancellationToken);
        var results = await db.BlocklistResults.AsNoTracking().ToListAsync(cancellationToken);
        return zones.Select(z =>
        {
            var mine = results.Where(r => r.ZoneId == z.Id).ToList();
            var problem = mine.Count > 0 && mine.All(r => r.Status == BlocklistStatus.Unknown) ? mine[0].Reason : null;
            return new ZoneState(z.Id, z.Name, z.QueryDomain, z.Enabled, mine.Count(r => r.Status == BlocklistStatus.Listed),
                mine.Count(r => r.Status == BlocklistStatus.Unknown), mine.Count(r => r.Status == BlocklistStatus.Clean),
                mine.Count > 0 ? mine.Max(r => r.CheckedAtUtc) : null, problem);
        }).ToList();
    }

    /// <summary>Records a removal request (Admin or Support); it starts as "requested".</summary>
    public async Task AddRequestAsync(ClaimsPrincipal user, long listingId, string where, string? note, CancellationToken cancellationToken)
    {
        Authorize(user);
        if (string.IsNullOrWhiteSpace(where))
        {
            throw new ArgumentException("Say where the removal was requested.");
        }
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.BlocklistListings.AnyAsync(l => l.Id == listingId, cancellationToken))
        {
            throw new ArgumentException($"Listing {listingId} does not exist.");
        }
        db.DelistingRequests.Add(new DelistingRequest
        {
            ListingId = listingId, Where = where.Trim(), Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim(),
            RequestedAtUtc = clock.GetUtcNow().UtcDateTime, RequestedBy = user.Identity?.Name ?? "?",
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Records how a removal request ended (Admin or Support), with the list's answer as a note.</summary>
    public async Task SetRequestStatusAsync(ClaimsPrincipal user, long requestId, DelistingRequestStatus status, string? note, CancellationToken cancellationToken)
    {
        Authorize(user);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var request = await db.DelistingRequests.FindAsync([requestId], cancellationToken) ?? throw new ArgumentException($"Request {requestId} does not exist.");
        request.Status = status;
        if (!string.IsNullOrWhiteSpace(note))
        {
            var line = $"{clock.GetUtcNow().UtcDateTime:yyyy-MM-dd} {status} ({user.Identity?.Name}): {note.Trim()}";
            request.Note = request.Note is null ? line : request.Note + "\n" + line;
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    private static void Authorize(ClaimsPrincipal user)
    {
        if (!user.IsInRole(PortalRoles.Admin) && !user.IsInRole(PortalRoles.Support))
        {
            throw new UnauthorizedAccessException("Only Admin and Support record delisting requests.");
        }
    }

    /// <summary>The listing table as CSV (UTF-8 with BOM so spreadsheet programs read Japanese), times in Asia/Tokyo with the offset.</summary>
    public async Task WriteCsvAsync(Stream output, CancellationToken cancellationToken)
    {
        var rows = await ListingsAsync(cancellationToken);
        await using var csv = new Infrastructure.Csv.CsvOut(output);
        await csv.RowAsync(["ip", "role", "list", "kind", "codes", "reason", "first_seen", "last_seen", "delisted_at", "requests"]);
        foreach (var r in rows)
        {
            await csv.RowAsync([r.Ip, r.Role.ToString(), r.List, r.Kind, r.Codes, r.Reason, r.FirstSeenUtc, r.LastSeenUtc, r.DelistedAtUtc,
                string.Join(" | ", r.Requests.Select(q => $"{Components.Shared.PortalTime.ToTokyo(q.RequestedAtUtc):yyyy-MM-dd} {q.Where} ({q.Status}, {q.RequestedBy})"))]);
        }
    }

    public static void MapEndpoints(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/blocklists/history.csv", async (HttpContext http, BlocklistHistory history) =>
        {
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = "attachment; filename=\"blocklist-history.csv\"";
            await history.WriteCsvAsync(http.Response.Body, http.RequestAborted);
        });
}
