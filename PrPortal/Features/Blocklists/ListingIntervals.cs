using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;

namespace PrPortal.Features.Blocklists;

/// <summary>What one check saw of one IP on one list: listed, clean, or (null) cannot tell.</summary>
public sealed record ListingObservation(int SendingIpId, int? ZoneId, bool? Listed, string? Codes, string? Reason);

/// <summary>
/// Keeps listing intervals of one kind: a listed observation opens an interval (or extends the open one),
/// a clean one closes it, an unknown one changes nothing. Returns what opened and what closed.
/// </summary>
public static class ListingIntervals
{
    public static async Task<(List<BlocklistListing> Opened, List<BlocklistListing> Closed)> ApplyAsync(
        PortalDbContext db, string kind, IEnumerable<ListingObservation> observations, DateTime now, CancellationToken cancellationToken)
    {
        var open = await db.BlocklistListings.Where(l => l.Kind == kind && l.DelistedAtUtc == null)
            .ToDictionaryAsync(l => (l.SendingIpId, l.ZoneId ?? 0), cancellationToken);
        var opened = new List<BlocklistListing>();
        var closed = new List<BlocklistListing>();
        foreach (var seen in observations)
        {
            var key = (seen.SendingIpId, seen.ZoneId ?? 0);
            if (seen.Listed == true)
            {
                if (open.TryGetValue(key, out var listing))
                {
                    listing.LastSeenUtc = now;
                    listing.Codes = seen.Codes;
                    listing.Reason = seen.Reason;
                }
                else
                {
                    listing = new BlocklistListing
                    {
                        SendingIpId = seen.SendingIpId, ZoneId = seen.ZoneId, Kind = kind, Codes = seen.Codes, Reason = seen.Reason,
                        FirstSeenUtc = now, LastSeenUtc = now,
                    };
                    db.BlocklistListings.Add(listing);
                    open[key] = listing;
                    opened.Add(listing);
                }
            }
            else if (seen.Listed == false && open.Remove(key, out var ended))
            {
                ended.DelistedAtUtc = now;
                closed.Add(ended);
            }
        }
        return (opened, closed);
    }
}
