using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Alerts;
using PrPortal.Features.Blocklists;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Blocklists;

/// <summary>Checks stored in the portal's SQLite: listing intervals survive, delistings close them, alerts go once.</summary>
[Trait("Category", "Integration")]
public sealed class BlocklistServiceTests(RbldnsdFixture rbldnsd) : IClassFixture<RbldnsdFixture>
{
    private sealed class BlocklistPortal(string dns) : PortalFactory(demo: false, settings: new Dictionary<string, string>
    {
        ["Blocklists:DnsServers:0"] = dns,
        ["Blocklists:TimeoutSeconds"] = "0.5",
    });

    private static async Task PrepareAsync(PortalFactory portal, params string[] zones)
    {
        _ = portal.Server;
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(6, await db.BlocklistZones.CountAsync()); // the defaults are seeded at start-up
        db.BlocklistZones.RemoveRange(db.BlocklistZones);
        db.BlocklistZones.AddRange(zones.Select(z => new BlocklistZone { Name = z, QueryDomain = z }));
        db.SendingIps.AddRange(
            new SendingIp { Address = "203.0.113.10", Role = SendingIpRole.Primary },
            new SendingIp { Address = "203.0.113.99", Role = SendingIpRole.Spare });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task A_listing_is_an_interval_from_first_seen_to_delisting_with_an_alert_at_each_end()
    {
        using var portal = new BlocklistPortal(rbldnsd.Endpoint);
        rbldnsd.Write("moving.test", "ip4set", ":127.0.0.2:Listed $\n127.0.0.2\n203.0.113.10");
        await rbldnsd.ReloadAsync();
        await PrepareAsync(portal, "moving.test", "dead.test");
        var service = portal.Service<BlocklistService>();
        var alerts = portal.Service<AlertService>();

        var first = await service.CheckNowAsync(default);
        var alertsAfterListing = alerts.Sent;
        var again = await service.CheckNowAsync(default);
        rbldnsd.Write("moving.test", "ip4set", ":127.0.0.2:Listed $\n127.0.0.2");
        await rbldnsd.ReloadAsync();
        var afterDelisting = await service.CheckNowAsync(default);

        Assert.Equal((1, 1, 0), (first.Listed, first.NewListings, first.Delistings));
        Assert.Equal(["dead.test"], first.UntrustedZones);
        Assert.Equal(1, alertsAfterListing);
        Assert.Equal(0, again.NewListings);
        Assert.Equal((0, 1), (afterDelisting.Listed, afterDelisting.Delistings));
        Assert.Equal(2, alerts.Sent);
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var listing = await db.BlocklistListings.Include(l => l.SendingIp).SingleAsync();
        Assert.Equal("203.0.113.10", listing.SendingIp!.Address);
        Assert.Equal("Listed 203.0.113.10", listing.Reason);
        Assert.NotNull(listing.DelistedAtUtc);
        Assert.True(listing.LastSeenUtc >= listing.FirstSeenUtc && listing.DelistedAtUtc >= listing.LastSeenUtc);
        var results = await db.BlocklistResults.ToListAsync();
        Assert.Equal(4, results.Count); // one row per IP × zone, kept up to date
        Assert.Equal(2, results.Count(r => r.Status == BlocklistStatus.Unknown));
    }

    [Fact]
    public async Task With_dns_down_everything_is_unknown_nothing_is_delisted_and_one_alert_says_checks_cannot_run()
    {
        using var portal = new BlocklistPortal($"127.0.0.1:{LoopbackPorts.FreeUdp()}");
        await PrepareAsync(portal, "zen.test", "bl.test");
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var ip = await db.SendingIps.SingleAsync(i => i.Address == "203.0.113.10");
            var zone = await db.BlocklistZones.SingleAsync(z => z.QueryDomain == "bl.test");
            db.BlocklistListings.Add(new BlocklistListing { SendingIpId = ip.Id, ZoneId = zone.Id, Kind = BlocklistService.DnsblKind, FirstSeenUtc = DateTime.UtcNow.AddDays(-2), LastSeenUtc = DateTime.UtcNow.AddHours(-1) });
            await db.SaveChangesAsync();
        }

        var summary = await portal.Service<BlocklistService>().CheckNowAsync(default);
        await portal.Service<BlocklistService>().CheckNowAsync(default);

        Assert.Equal(4, summary.Unknown);
        Assert.Equal(0, summary.Delistings);
        Assert.Equal(1, portal.Service<AlertService>().Sent); // the second run within the interval is rate-limited
        await using var check = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Null((await check.BlocklistListings.SingleAsync()).DelistedAtUtc);
    }

    [Fact]
    public async Task A_zone_whose_codes_cannot_be_read_is_unknown_and_the_others_are_still_checked()
    {
        using var portal = new BlocklistPortal(rbldnsd.Endpoint);
        await PrepareAsync(portal, "bl.test");
        await using (var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.BlocklistZones.Add(new BlocklistZone { Name = "typo", QueryDomain = "zen.test", ListingCodes = "127.0.0.2=SBL;127.0.0.x=CSS" });
            await db.SaveChangesAsync();
        }

        var summary = await portal.Service<BlocklistService>().CheckNowAsync(default);

        Assert.Equal(1, summary.Listed); // 203.0.113.10 on bl.test
        Assert.Equal(["typo"], summary.UntrustedZones);
        var zones = await portal.Service<BlocklistHistory>().ZonesAsync(default);
        Assert.Contains("127.0.0.x", zones.Single(z => z.Name == "typo").Problem);
    }

    [Fact]
    public async Task Only_admin_and_support_record_a_delisting_request_and_it_must_say_where()
    {
        using var portal = new BlocklistPortal(rbldnsd.Endpoint);
        await PrepareAsync(portal, "bl.test");
        await portal.Service<BlocklistService>().CheckNowAsync(default);
        var history = portal.Service<BlocklistHistory>();
        var listing = Assert.Single(await history.ListingsAsync(default));
        static System.Security.Claims.ClaimsPrincipal As(string role) => new(new System.Security.Claims.ClaimsIdentity(
            [new(System.Security.Claims.ClaimTypes.Name, $"{role.ToLowerInvariant()}@prportal.example"), new(System.Security.Claims.ClaimTypes.Role, role)], "test"));

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => history.AddRequestAsync(As("AccountManager"), listing.Id, "delist@bl.test", null, default));
        await Assert.ThrowsAsync<ArgumentException>(() => history.AddRequestAsync(As("Support"), listing.Id, "  ", null, default));
        await Assert.ThrowsAsync<ArgumentException>(() => history.AddRequestAsync(As("Support"), listing.Id + 1000, "delist@bl.test", null, default));
        await history.AddRequestAsync(As("Support"), listing.Id, "delist@bl.test", "asked by mail", default);

        var request = Assert.Single(Assert.Single(await history.ListingsAsync(default)).Requests);
        Assert.Equal(("delist@bl.test", "support@prportal.example", DelistingRequestStatus.Requested), (request.Where, request.RequestedBy, request.Status));
    }
}
