using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Blocklists;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Blocklists;

/// <summary>Admin keeps the zone list; bad zone settings are refused with the field named; history keeps its names.</summary>
[Trait("Category", "Integration")]
public sealed class ZoneSettingsTests
{
    [Fact]
    public async Task Admin_adds_and_edits_a_zone_and_bad_settings_are_refused_naming_the_field()
    {
        using var portal = new PortalFactory();
        _ = portal.Server;
        var zones = portal.Service<ZoneSettings>();
        var admin = TestUsers.As(PortalRoles.Admin);

        var added = await zones.SaveAsync(admin, new ZoneForm { Name = "Spamhaus DQS", QueryDomain = " KEY123.zen.dq.spamhaus.net. ", ListingCodes = "127.0.0.2 = SBL\n127.0.0.4=XBL", ErrorCodes = "127.255.255.254" }, default);
        var badCodes = await Assert.ThrowsAsync<ArgumentException>(() => zones.SaveAsync(admin, new ZoneForm { Name = "x", QueryDomain = "bl.example.org", ListingCodes = "listed" }, default));
        var badDomain = await Assert.ThrowsAsync<ArgumentException>(() => zones.SaveAsync(admin, new ZoneForm { Name = "x", QueryDomain = "http://bl.example.org/" }, default));
        var duplicate = await Assert.ThrowsAsync<ArgumentException>(() => zones.SaveAsync(admin, new ZoneForm { Name = "Again", QueryDomain = "zen.spamhaus.org" }, default));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => zones.SaveAsync(TestUsers.As(PortalRoles.Support), new ZoneForm { Name = "x", QueryDomain = "bl.example.org" }, default));
        var form = ZoneForm.From(added);
        form.Enabled = false;
        await zones.SaveAsync(admin, form, default);

        Assert.Equal("key123.zen.dq.spamhaus.net", added.QueryDomain);
        Assert.Equal("127.0.0.2=SBL;127.0.0.4=XBL", added.ListingCodes);
        Assert.StartsWith("Listing codes: 'listed' is not an IPv4 answer code.", badCodes.Message);
        Assert.StartsWith("Query domain:", badDomain.Message);
        Assert.Contains("already a zone", duplicate.Message);
        var all = await zones.ListAsync(default);
        Assert.Equal(7, all.Count);
        Assert.False(all.Single(z => z.Id == added.Id).Enabled);
    }

    [Fact]
    public async Task A_zone_with_listing_history_is_disabled_rather_than_removed_and_an_unused_one_is_removed()
    {
        using var portal = new PortalFactory();
        _ = portal.Server;
        var zones = portal.Service<ZoneSettings>();
        var admin = TestUsers.As(PortalRoles.Admin);
        var all = await zones.ListAsync(default);
        var spamcop = all.Single(z => z.QueryDomain == "bl.spamcop.net");
        var psbl = all.Single(z => z.QueryDomain == "psbl.surriel.com");
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var ip = new SendingIp { Address = "203.0.113.10", Role = SendingIpRole.Primary };
            db.SendingIps.Add(ip);
            await db.SaveChangesAsync();
            db.BlocklistListings.Add(new BlocklistListing { SendingIpId = ip.Id, ZoneId = spamcop.Id, Kind = BlocklistService.DnsblKind, FirstSeenUtc = DateTime.UtcNow, LastSeenUtc = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => zones.DeleteAsync(admin, spamcop.Id, default));
        await zones.DeleteAsync(admin, psbl.Id, default);

        Assert.Contains("disable it instead", refused.Message);
        var left = await zones.ListAsync(default);
        Assert.Contains(left, z => z.Id == spamcop.Id);
        Assert.DoesNotContain(left, z => z.Id == psbl.Id);
    }

    [Fact]
    public async Task A_delisting_request_is_marked_granted_with_the_lists_answer()
    {
        using var portal = new PortalFactory();
        _ = portal.Server;
        long listingId;
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var ip = new SendingIp { Address = "203.0.113.10", Role = SendingIpRole.Primary };
            db.SendingIps.Add(ip);
            await db.SaveChangesAsync();
            var listing = new BlocklistListing { SendingIpId = ip.Id, Kind = "microsoft-snds", FirstSeenUtc = DateTime.UtcNow, LastSeenUtc = DateTime.UtcNow };
            db.BlocklistListings.Add(listing);
            await db.SaveChangesAsync();
            listingId = listing.Id;
        }
        var history = portal.Service<BlocklistHistory>();
        await history.AddRequestAsync(TestUsers.As(PortalRoles.Support), listingId, "sender.office.com", "ticket 1234", default);
        var request = (await history.ListingsAsync(default)).Single().Requests.Single();

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => history.SetRequestStatusAsync(TestUsers.As(PortalRoles.AccountManager), request.Id, DelistingRequestStatus.Granted, null, default));
        await history.SetRequestStatusAsync(TestUsers.As(PortalRoles.Support), request.Id, DelistingRequestStatus.Granted, "mitigation granted", default);

        var after = (await history.ListingsAsync(default)).Single().Requests.Single();
        Assert.Equal(DelistingRequestStatus.Granted, after.Status);
        Assert.Contains("ticket 1234", after.Note);
        Assert.Contains("Granted (support@test): mitigation granted", after.Note);
    }
}
