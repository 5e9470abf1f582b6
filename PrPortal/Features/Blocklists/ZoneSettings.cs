using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;

namespace PrPortal.Features.Blocklists;

/// <summary>A zone as the edit form holds it.</summary>
public sealed class ZoneForm
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string QueryDomain { get; set; } = "";
    public string ListingCodes { get; set; } = "127.0.0.2=listed";
    public string ErrorCodes { get; set; } = "";
    public int Weight { get; set; } = 5;
    public bool Enabled { get; set; } = true;
    public string? DelistUrl { get; set; }

    public static ZoneForm From(BlocklistZone zone) => new()
    {
        Id = zone.Id, Name = zone.Name, QueryDomain = zone.QueryDomain, ListingCodes = zone.ListingCodes, ErrorCodes = zone.ErrorCodes,
        Weight = zone.Weight, Enabled = zone.Enabled, DelistUrl = zone.DelistUrl,
    };
}

/// <summary>Blocklist zones are data: Admin adds, edits, disables and removes them; everyone signed in reads them.</summary>
public sealed partial class ZoneSettings(IDbContextFactory<PortalDbContext> factory)
{
    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DomainName();

    public async Task<IReadOnlyList<BlocklistZone>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.BlocklistZones.AsNoTracking().OrderByDescending(z => z.Weight).ThenBy(z => z.Name).ToListAsync(cancellationToken);
    }

    /// <summary>Adds (Id 0) or updates a zone. Bad input is an <see cref="ArgumentException"/> naming the field.</summary>
    public async Task<BlocklistZone> SaveAsync(ClaimsPrincipal user, ZoneForm form, CancellationToken cancellationToken)
    {
        Authorize(user);
        var name = form.Name.Trim();
        var domain = form.QueryDomain.Trim().TrimEnd('.').ToLowerInvariant();
        if (name.Length is 0 or > 100)
        {
            throw new ArgumentException("Name: give the zone a name of at most 100 characters.");
        }
        if (!DomainName().IsMatch(domain))
        {
            throw new ArgumentException($"Query domain: '{form.QueryDomain}' is not a DNS name such as zen.spamhaus.org.");
        }
        string Codes(string field, string text)
        {
            try
            {
                var codes = ZoneRule.ParseCodes(text);
                return string.Join(";", codes.Select(c => c.Value.Length > 0 ? $"{c.Key}={c.Value}" : c.Key));
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"{field}: {e.Message} Write codes as 127.0.0.2=SBL;127.0.0.4=XBL.");
            }
        }
        var listing = Codes("Listing codes", form.ListingCodes);
        var errors = Codes("Error codes", form.ErrorCodes);
        if (form.Weight is < 0 or > 100)
        {
            throw new ArgumentException("Weight: between 0 and 100.");
        }
        var delist = string.IsNullOrWhiteSpace(form.DelistUrl) ? null : form.DelistUrl.Trim();
        if (delist is not null && SafeDelistUrl(delist) is null)
        {
            throw new ArgumentException("Delisting: an absolute http(s) address (https://…).");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.BlocklistZones.AnyAsync(z => z.QueryDomain == domain && z.Id != form.Id, cancellationToken))
        {
            throw new ArgumentException($"Query domain: {domain} is already a zone.");
        }
        var zone = form.Id == 0 ? null : await db.BlocklistZones.FindAsync([form.Id], cancellationToken)
            ?? throw new ArgumentException($"Zone {form.Id} no longer exists.");
        if (zone is null)
        {
            zone = new BlocklistZone { Name = name, QueryDomain = domain };
            db.BlocklistZones.Add(zone);
        }
        else if (zone.QueryDomain != domain)
        {
            // Another domain is another list: the old answers say nothing of it.
            await db.BlocklistResults.Where(r => r.ZoneId == zone.Id).ExecuteDeleteAsync(cancellationToken);
        }
        zone.Name = name;
        zone.QueryDomain = domain;
        zone.ListingCodes = listing;
        zone.ErrorCodes = errors;
        zone.Weight = form.Weight;
        zone.Enabled = form.Enabled;
        zone.DelistUrl = delist;
        await db.SaveChangesAsync(cancellationToken);
        return zone;
    }

    /// <summary>Removes a zone and its latest results. A zone with listing history is disabled instead, so the history keeps its name.</summary>
    public async Task DeleteAsync(ClaimsPrincipal user, int id, CancellationToken cancellationToken)
    {
        Authorize(user);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var zone = await db.BlocklistZones.FindAsync([id], cancellationToken) ?? throw new ArgumentException($"Zone {id} no longer exists.");
        if (await db.BlocklistListings.AnyAsync(l => l.ZoneId == id, cancellationToken))
        {
            throw new ArgumentException($"{zone.Name} has listing history: disable it instead of removing it.");
        }
        db.BlocklistZones.Remove(zone);
        await db.SaveChangesAsync(cancellationToken);
    }

    private static void Authorize(ClaimsPrincipal user)
    {
        if (!user.IsInRole(PortalRoles.Admin))
        {
            throw new UnauthorizedAccessException("Only Admin changes blocklist zones.");
        }
    }

    /// <summary>The delisting address as a link may show it: an absolute http(s) URL with a host, else null (never javascript:, data: or the like).</summary>
    public static string? SafeDelistUrl(string? url) =>
        url is not null && Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && !string.IsNullOrEmpty(uri.Host) && uri.UserInfo.Length == 0 && !url.Any(char.IsControl)
            ? uri.AbsoluteUri : null;
}
